/**
 * The board's shape model: its types, the one declaration of each property's concurrency tier,
 * runtime validators, and the document layout in Yjs. Both the server and the browser read
 * shapes only through this module.
 *
 * Document layout (root types of the room's Y.Doc):
 * - `shapes`: Y.Map<shapeId, Y.Map<prop, value>>, holding the tier-1 (mergeable) properties.
 * - `versioned`: Y.Map<`${shapeId}:${field}`, VersionedEntry>, written only by the server.
 * - `meta`: Y.Map holding `schemaVersion`.
 */
import * as Y from 'yjs'
import { z } from 'zod'

export const ROOT_SHAPES = 'shapes'
export const ROOT_VERSIONED = 'versioned'
export const ROOT_META = 'meta'

/** Version of the document layout below; stored in `meta.schemaVersion` and migrated on load. */
export const SCHEMA_VERSION = 1

/** Every shape kind; the client registers one module per kind (client/src/shapes). */
export const SHAPE_KINDS = ['rect', 'ellipse', 'line', 'arrow', 'pen', 'text', 'sticky', 'diamond'] as const
export type ShapeKind = (typeof SHAPE_KINDS)[number]

/**
 * The three tiers of concurrency control (see the product brief):
 * - `crdt`: merged by Yjs per property, no coordination.
 * - `versioned`: changed only through a server commit that checks a base version.
 * - `leased`: versioned, and the commit must also carry the fencing token of the shape's lease.
 */
export type Tier = 'crdt' | 'versioned' | 'leased'

const finite = z.number().refine(Number.isFinite, 'must be a finite number')
const coordinate = finite.refine((n) => Math.abs(n) <= 1e7, 'must be within ±1e7')
const color = z
  .string()
  .regex(/^(#[0-9a-fA-F]{3,8}|transparent)$/, 'must be #rgb, #rrggbb(aa) or transparent')

/**
 * The tier table: every shape property, grouped by its tier, with its value type and, for the
 * versioned tiers, the value a shape has before the first commit (the schema's default). It is the
 * single source of truth for who may change what, and how; everything below is derived from it.
 */
const TIERS = {
  crdt: {
    kind: z.enum(SHAPE_KINDS),
    x: coordinate,
    y: coordinate,
    w: coordinate.refine((n) => n >= 0, 'must be >= 0'),
    h: coordinate.refine((n) => n >= 0, 'must be >= 0'),
    rotation: finite,
    /** Fractional index (fractional-indexing): concurrent reorders produce distinct keys. */
    z: z.string().min(1).max(256),
    stroke: color,
    fill: color,
    strokeWidth: finite.refine((n) => n >= 0 && n <= 100, 'must be in 0..100'),
    opacity: finite.refine((n) => n >= 0 && n <= 1, 'must be in 0..1'),
    /** Line/arrow: [x0, y0, x1, y1] relative to (x, y). Pen: [x, y, pressure] triples. */
    points: z.array(coordinate).max(30_000).optional(),
    fontSize: finite.refine((n) => n >= 4 && n <= 512, 'must be in 4..512').optional(),
    /** Text: the user set the width (the text wraps inside it); absent, the box grows with its text. */
    fixedWidth: z.boolean().optional(),
    createdBy: z.string().max(64).optional(),
  },
  versioned: {
    deleted: z.boolean().default(false),
    /** Which shapes an arrow's ends are attached to. */
    binding: z
      .object({ start: z.string().max(64).nullable(), end: z.string().max(64).nullable() })
      .default({ start: null, end: null }),
    /** Id of the group this shape belongs to, or null. */
    parent: z.string().max(64).nullable().default(null),
    /** Locked shapes cannot be selected to move, resize, rotate or delete them, until unlocked. */
    locked: z.boolean().default(false),
  },
  leased: {
    text: z.string().max(20_000).default(''),
  },
} satisfies Record<Tier, Record<string, z.ZodType>>

/** Tier-1 properties as stored in a shape's Y.Map. */
export const crdtProps = z.object(TIERS.crdt)
export type CrdtProps = z.infer<typeof crdtProps>

/** The current values of a shape's versioned fields; a field never committed has its default. */
export const versionedValues = z.object({ ...TIERS.versioned, ...TIERS.leased })
export type VersionedValues = z.output<typeof versionedValues>

/** The names of the fields of tiers 2 and 3, as a schema (commit ops name one of them). */
export const versionedField = versionedValues.keyof()
export type VersionedField = z.infer<typeof versionedField>
export type FieldName = keyof CrdtProps | VersionedField
export const VERSIONED_FIELDS = versionedField.options

export function tierOf(field: FieldName): Tier {
  if (Object.hasOwn(TIERS.leased, field)) return 'leased'
  return Object.hasOwn(TIERS.versioned, field) ? 'versioned' : 'crdt'
}

/** The value type of a versioned field without its default: a commit must carry the value. */
export function versionedValue(field: VersionedField): z.ZodType {
  return versionedValues.shape[field].unwrap()
}

export const VERSIONED_DEFAULTS: VersionedValues = versionedValues.parse({})
/** Every versioned field at version 0, "never committed". */
const UNCOMMITTED = z.record(versionedField, z.number().default(0)).parse({})

/** What the server stores at `versioned[`${shapeId}:${field}`]`. Version 0 means "never committed". */
export const versionedEntry = z.object({
  version: z.number().int().min(1),
  value: z.unknown(),
  /** Display name of whoever committed this version. */
  by: z.string().max(64),
  at: z.number(),
})
export type VersionedEntry = z.infer<typeof versionedEntry>

export function versionedKey(shapeId: string, field: VersionedField): string {
  return `${shapeId}:${field}`
}

/** A shape as the editor sees it: tier-1 props plus the current versioned values and their versions. */
export type Shape = CrdtProps &
  VersionedValues & {
    id: string
    versions: Record<VersionedField, number>
  }

export const SHAPE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

export type ShapeReadResult = { ok: true; shape: Shape } | { ok: false; id: string; error: string }

/** Validates one shape read from the document. Never throws. */
export function readShape(id: string, props: unknown, versioned: Y.Map<unknown> | null): ShapeReadResult {
  if (!SHAPE_ID_PATTERN.test(id)) return { ok: false, id, error: 'invalid shape id' }
  const parsed = crdtProps.safeParse(props)
  if (!parsed.success) return { ok: false, id, error: z.prettifyError(parsed.error) }
  const versions = { ...UNCOMMITTED }
  const committed: Partial<Record<VersionedField, unknown>> = {}
  let anyCommitted = false
  for (const field of versioned ? VERSIONED_FIELDS : []) {
    const raw = versioned?.get(versionedKey(id, field))
    if (raw === undefined) continue
    const entry = versionedEntry.safeParse(raw)
    if (!entry.success || entry.data.value === undefined) {
      return { ok: false, id, error: `invalid versioned field ${field}` }
    }
    committed[field] = entry.data.value
    versions[field] = entry.data.version
    anyCommitted = true
  }
  if (!anyCommitted) return { ok: true, shape: { ...parsed.data, ...VERSIONED_DEFAULTS, id, versions } }
  const values = versionedValues.safeParse(committed)
  if (!values.success) {
    return { ok: false, id, error: `invalid versioned field ${String(values.error.issues[0]?.path[0])}` }
  }
  return { ok: true, shape: { ...parsed.data, ...values.data, id, versions } }
}

export function shapesMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap(ROOT_SHAPES)
}

export function versionedMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap(ROOT_VERSIONED)
}

/**
 * Reads every shape of a document. Invalid or unknown shapes (for example from a newer or hostile
 * client) are skipped and reported, never thrown. Deleted shapes are included with `deleted: true`.
 */
export function readShapes(doc: Y.Doc): { shapes: Shape[]; invalid: { id: string; error: string }[] } {
  const shapes: Shape[] = []
  const invalid: { id: string; error: string }[] = []
  const versioned = versionedMap(doc)
  for (const [id, value] of shapesMap(doc).entries()) {
    const props = value instanceof Y.Map ? value.toJSON() : value
    const result = readShape(id, props, versioned)
    if (result.ok) shapes.push(result.shape)
    else invalid.push({ id: result.id, error: result.error })
  }
  shapes.sort((a, b) => (a.z < b.z ? -1 : a.z > b.z ? 1 : a.id < b.id ? -1 : 1))
  return { shapes, invalid }
}

/** Writes a new shape's tier-1 props as a Y.Map. Throws if the props are invalid (a local bug). */
export function insertShape(doc: Y.Doc, id: string, props: CrdtProps, origin?: unknown): void {
  const valid = crdtProps.parse(props)
  if (!SHAPE_ID_PATTERN.test(id)) throw new Error(`invalid shape id ${id}`)
  doc.transact(() => {
    const map = new Y.Map<unknown>()
    for (const [k, v] of Object.entries(valid)) if (v !== undefined) map.set(k, v)
    shapesMap(doc).set(id, map)
  }, origin)
}

/** A migration moves a document from `from` to `from + 1`, inside one transaction. */
export type Migration = { from: number; up: (doc: Y.Doc) => void }

/** Ordered list of migrations; empty while the layout is at its first version. */
export const MIGRATIONS: readonly Migration[] = []

/**
 * Brings a document to `target`, running each migration once. A fresh document is stamped with
 * the current version. Throws if the document is newer than this code understands.
 */
export function migrateDoc(
  doc: Y.Doc,
  origin: unknown,
  migrations: readonly Migration[] = MIGRATIONS,
  target = SCHEMA_VERSION,
): number {
  const meta = doc.getMap<unknown>(ROOT_META)
  const current = meta.get('schemaVersion')
  if (current === undefined) {
    if (shapesMap(doc).size === 0) {
      doc.transact(() => meta.set('schemaVersion', target), origin)
      return target
    }
  }
  let version = typeof current === 'number' ? current : 1
  if (version > target) throw new Error(`document schema v${version} is newer than supported v${target}`)
  while (version < target) {
    const step = migrations.find((m) => m.from === version)
    if (!step) throw new Error(`no migration from schema v${version}`)
    doc.transact(() => {
      step.up(doc)
      meta.set('schemaVersion', version + 1)
    }, origin)
    version++
  }
  if (current !== version) doc.transact(() => meta.set('schemaVersion', version), origin)
  return version
}
