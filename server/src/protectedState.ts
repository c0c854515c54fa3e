import * as Y from 'yjs'
import { crdtProps, SHAPE_ID_PATTERN } from '@easel/shared'

/** Which parts of a room's document a client's plain Yjs update may not change. */
export type ProtectionRules = {
  /** Roots only the server writes: no insertion or deletion anywhere below them. */
  protectedRoots: ReadonlySet<string>
  /**
   * Roots whose direct entries may be added but never removed or replaced (what lies inside an
   * entry stays editable): shapes are created by anyone, deleted only through a versioned commit.
   */
  appendOnlyRoots: ReadonlySet<string>
  /** What the update may write at all (the shape schema); absent, any content is accepted. */
  schema?: SchemaRules
}

/**
 * The document's shape schema, as an update may change it (see shared/src/schema.ts): only the
 * listed roots; in `shapesRoot`, entries that are Y.Maps under a valid shape id, holding tier-1
 * properties as plain values that pass `crdtProps`, a new shape carrying every required property.
 */
export type SchemaRules = {
  shapesRoot: string
  roots: ReadonlySet<string>
}

/** Tier-1 properties a shape cannot be without. */
const REQUIRED_PROPS: ReadonlySet<string> = new Set(
  Object.entries(crdtProps.shape)
    .filter(([, schema]) => !schema.safeParse(undefined).success)
    .map(([key]) => key),
)
const PROP_SCHEMAS: ReadonlyMap<string, (typeof crdtProps.shape)[keyof typeof crdtProps.shape]> = new Map(
  Object.entries(crdtProps.shape),
)

/**
 * What the server should do with a client's update:
 * - `ok`: integrate it; it touches only unprotected state and every dependency is known.
 * - `forbidden`: it would change server-only state or remove an append-only entry (close 4409).
 * - `invalid`: it would make a shape something the shape schema rejects, or write outside the
 *   document's layout (close 4415).
 * - `malformed`: it decodes but Yjs could not integrate it consistently (close 4400).
 * - `incomplete`: it depends on history the server does not have (it would stay pending in
 *   Yjs); drop it and ask the sender to resync.
 */
export type UpdateVerdict =
  | { kind: 'ok' }
  | { kind: 'forbidden'; reason: string }
  | { kind: 'invalid'; reason: string }
  | { kind: 'malformed'; reason: string }
  | { kind: 'incomplete'; reason: string }

type Decoded = ReturnType<typeof Y.decodeUpdate>
type DecodedStruct = Decoded['structs'][number]
/** A decoded item before integration: `parent` is a root key, the id of a type's item, or null. */
type DecodedItem = Y.Item & { parent: Y.ID | string | null }
type StoreStruct = Y.Item | Y.GC

/**
 * Where an item lives: the root key of its type tree (null when Yjs will discard the item, because
 * a neighbour or its parent was garbage-collected), how deep its parent is below that root (0: the
 * root itself, 1: a type held by a direct entry of the root, such as a shape's map, 2: deeper), the
 * map key it is set under, and at depth 1 the id of the entry holding its parent (which shape).
 */
type Location = { root: string | null; depth: 0 | 1 | 2; key: string | null; holder: Shape | null }
const DISCARDED: Location = Object.freeze({ root: null, depth: 0, key: null, holder: null })

/**
 * A struct holding a shape's map (a direct entry of a root), one record per struct so that
 * locations compare by identity: the store's struct when the document has it, else the update's.
 */
type Shape = {
  struct: StoreStruct | DecodedStruct
  /** Whether `struct` is the document's (else the update's own). */
  stored: boolean
  /** Set when the update creates this shape: its shape id. */
  newId: string | null
  /** Properties the update sets (and does not itself delete). */
  props: Set<string> | null
  /** The update's items for each required property it touches. */
  groups: Map<string, RequiredGroup> | null
}
const deeper = (depth: 0 | 1 | 2): 1 | 2 => (depth === 0 ? 1 : 2)

class Verdict extends Error {
  constructor(readonly verdict: Exclude<UpdateVerdict, { kind: 'ok' }>) {
    super(verdict.reason)
  }
}
/** Ends the inspection with a verdict (a declaration, so that the compiler narrows after a call). */
function refuse(kind: Exclude<UpdateVerdict, { kind: 'ok' }>['kind'], reason: string): never {
  throw new Verdict({ kind, reason } as Exclude<UpdateVerdict, { kind: 'ok' }>)
}

/**
 * Decides, without applying it, what a client's Yjs update would do to the room's document.
 *
 * An update changes a subtree only by inserting items whose parent lies in it, or by deleting live
 * items that lie in it. An inserted item names its parent directly (a root key, or the id of the
 * item holding a nested type) or inherits parent and map key from its left or right origin, exactly
 * as Yjs does on integration; each is resolved through the update itself, then the document's
 * struct store. Deleting an item that is already deleted changes nothing, so it is not a write: a
 * client's sync step 2 carries its whole delete set, including the server's own old overwrites.
 *
 * The cost is linear in the update (binary searches into the store and the update, memoised per
 * struct and per type); {@link inspectUpdateInSteps} spreads it over turns of the event loop.
 *
 * Throws if the update does not decode (the caller treats that as a malformed frame).
 */
export function inspectUpdate(doc: Y.Doc, update: Uint8Array, rules: ProtectionRules): UpdateVerdict {
  const steps = inspection(doc, update, rules)
  for (;;) {
    const step = steps.next()
    if (step.done) return step.value
  }
}

/**
 * {@link inspectUpdate} in steps of at most {@link STEP_WORK} structs (or required properties, or
 * deleted structs), calling `pause` between steps and awaiting what it returns: a large update is
 * inspected while the event loop serves other rooms in between. Decoding the update is one step.
 *
 * If the document changes while the inspection waits (nothing of the room's own queue runs, but an
 * extension may write to the document directly), the update is inspected again, in one go, against
 * the document as it is now. Rejects if the update does not decode.
 */
export async function inspectUpdateInSteps(
  doc: Y.Doc,
  update: Uint8Array,
  rules: ProtectionRules,
  pause: () => Promise<void> | undefined,
): Promise<UpdateVerdict> {
  let changed = false
  const onChange = () => {
    changed = true
  }
  doc.on('afterTransaction', onChange)
  try {
    const steps = inspection(doc, update, rules)
    for (;;) {
      const step = steps.next()
      if (step.done) return changed ? inspectUpdate(doc, update, rules) : step.value
      const waiting = pause()
      if (waiting) await waiting
    }
  } finally {
    doc.off('afterTransaction', onChange)
  }
}

/**
 * Work between two chances to yield: about a millisecond of inspection, so that a caller's slice
 * of the event loop (see fairness.ts) is overrun by little.
 */
export const STEP_WORK = 512

function* inspection(doc: Y.Doc, update: Uint8Array, rules: ProtectionRules): Generator<void, UpdateVerdict> {
  const decoded = Y.decodeUpdate(update)
  try {
    yield* new Inspection(doc, decoded, rules).steps()
    return { kind: 'ok' }
  } catch (err) {
    if (err instanceof Verdict) return err.verdict
    throw err
  }
}

class Inspection {
  /** The update's structs per client, in clock order (the encoding guarantees the order). */
  private readonly own = new Map<number, DecodedStruct[]>()
  /** Per client: the clock up to which the server has, or this update supplies, every struct. */
  private readonly available = new Map<number, number>()
  private readonly locationOfStruct = new Map<DecodedStruct, Location | 'resolving'>()
  private readonly rootOfType = new Map<Y.AbstractType<unknown>, string | null>()
  /** Every struct holding a shape's map that the update touches (see {@link Shape}). */
  private readonly shapes = new Map<StoreStruct | DecodedStruct, Shape>()
  /** Shapes the update creates, in update order. */
  private readonly newShapes: Shape[] = []
  /** The update's items for a required property, and explicit deletions of its live value. */
  private readonly required: RequiredGroup[] = []
  /** Per client, the clocks the update's new items name as their left origin. */
  private readonly origins = new Map<number, Set<number>>()
  /** Steps left for replaying Yjs's conflict resolution against the document (see `landsRight`). */
  private replayBudget = 0
  /** Work done since the last yield (see {@link STEP_WORK}). */
  private work = 0

  constructor(
    private readonly doc: Y.Doc,
    private readonly decoded: Decoded,
    private readonly rules: ProtectionRules,
  ) {}

  /** The inspection, yielding after every {@link STEP_WORK} units of work; throws a Verdict. */
  *steps(): Generator<void, void> {
    yield* this.indexStructs()
    for (const s of this.decoded.structs) {
      if (++this.work >= STEP_WORK) {
        this.work = 0
        yield
      }
      if (!(s instanceof Y.Item)) continue
      const known = this.state(s.id.client)
      if (s.id.clock + s.length <= known) continue // Yjs ignores what the document already has
      this.checkReferences(s as DecodedItem)
      if (s.content instanceof Y.ContentDoc) refuse('forbidden', 'subdocuments are not supported')
      const loc = this.locate(s)
      if (loc.root === null) continue
      if (this.rules.protectedRoots.has(loc.root))
        refuse('forbidden', `update writes to protected root "${loc.root}"`)
      if (loc.depth === 0 && this.rules.appendOnlyRoots.has(loc.root)) {
        if (loc.key === null) refuse('forbidden', `update inserts a keyless item into "${loc.root}"`)
        const root = this.doc.share.get(loc.root)
        // Setting a key that holds a live entry replaces it: Yjs deletes the older item.
        if (root instanceof Y.Map && root.has(loc.key!)) {
          refuse(
            'forbidden',
            `update replaces entry "${loc.key}" of "${loc.root}" (deleting needs a versioned commit)`,
          )
        }
      }
      if (this.rules.schema) {
        this.noteRequired(s, loc, this.rules.schema)
        this.checkSchema(s, loc, this.rules.schema)
      }
    }
    yield* this.checkDeletions()
    if (this.rules.schema) {
      yield* this.checkNewShapes()
      yield* this.checkRequiredKept()
    }
  }

  /** The left origin Yjs integrates a new item with (a partly known struct continues its own). */
  private effectiveOrigin(s: Y.Item): Y.ID | null {
    const known = this.state(s.id.client)
    return s.id.clock < known ? Y.createID(s.id.client, known - 1) : s.origin
  }

  /**
   * Remembers an item set under a shape property (deleted content included: it still takes the
   * key's place). Yjs never gives a map entry a right origin; one placed left of the live value is
   * deleted on arrival, so it can only hide a deletion.
   */
  private noteRequired(s: Y.Item, loc: Location, schema: SchemaRules): void {
    if (loc.root !== schema.shapesRoot || loc.depth !== 1 || loc.key === null || loc.holder === null) return
    if (s.rightOrigin) refuse('invalid', `shape property "${loc.key}" has a right origin`)
    const origin = this.effectiveOrigin(s)
    if (origin) {
      let clocks = this.origins.get(origin.client)
      if (!clocks) {
        clocks = new Set()
        this.origins.set(origin.client, clocks)
      }
      clocks.add(origin.clock)
    }
    if (!REQUIRED_PROPS.has(loc.key)) return
    this.group(loc.holder, loc.key).items.push(s)
  }

  /** Whether one of the update's new items names `id` as its left origin. */
  private isOrigin(id: Y.ID): boolean {
    return this.origins.get(id.client)?.has(id.clock) ?? false
  }

  private group(holder: Shape, key: string): RequiredGroup {
    holder.groups ??= new Map()
    let g = holder.groups.get(key)
    if (!g) {
      g = { holder, key, items: [], deletesLive: false }
      holder.groups.set(key, g)
      this.required.push(g)
    }
    return g
  }

  /** The record of the struct holding a shape's map. */
  private shape(struct: StoreStruct | DecodedStruct, stored: boolean): Shape {
    let shape = this.shapes.get(struct)
    if (!shape) {
      shape = { struct, stored, newId: null, props: null, groups: null }
      this.shapes.set(struct, shape)
    }
    return shape
  }

  /** Whether the update deletes every clock of `s` itself (then what it holds is never seen). */
  private deletesItself(s: DecodedStruct): boolean {
    const ranges = this.decoded.ds.clients.get(s.id.client)
    if (!ranges) return false
    let lo = 0
    let hi = ranges.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const r = ranges[mid]!
      if (s.id.clock < r.clock) hi = mid - 1
      else if (s.id.clock >= r.clock + r.len) lo = mid + 1
      else return s.id.clock + s.length <= r.clock + r.len
    }
    return false
  }

  /**
   * A new item, checked against the shape schema. What the update deletes itself, and deleted
   * content, are not checked: a sync step 2 carries old history, overwritten values included.
   */
  private checkSchema(s: Y.Item, loc: Location, schema: SchemaRules): void {
    if (loc.root === null || s.content instanceof Y.ContentDeleted || this.deletesItself(s)) return
    if (!schema.roots.has(loc.root)) refuse('invalid', `update writes to unknown root "${loc.root}"`)
    if (loc.root !== schema.shapesRoot) return
    const at = `${s.id.client}:${s.id.clock}`
    const { key, holder } = loc
    const content = s.content
    if (loc.depth === 0) {
      if (key === null || !SHAPE_ID_PATTERN.test(key)) refuse('invalid', `invalid shape id at ${at}`)
      if (!(content instanceof Y.ContentType) || !(content.type instanceof Y.Map))
        refuse('invalid', `shape "${key}" is not a map`)
      const shape = this.shape(s, false)
      shape.newId = key
      this.newShapes.push(shape)
      return
    }
    if (loc.depth === 2 || holder === null)
      refuse('invalid', `update writes inside a shape property at ${at}`)
    const prop = key === null ? undefined : PROP_SCHEMAS.get(key)
    if (key === null || prop === undefined)
      refuse('invalid', `unknown shape property "${key ?? ''}" at ${at}`)
    if (!(content instanceof Y.ContentAny))
      refuse('invalid', `shape property "${key}" must be a plain value at ${at}`)
    for (const value of content.arr) {
      if (!prop.safeParse(value).success) refuse('invalid', `invalid value for shape property "${key}"`)
    }
    holder.props ??= new Set()
    holder.props.add(key)
  }

  /**
   * A shape the update creates must carry every required property. Every value it sets passed its
   * property's schema (`checkSchema`), so `crdtProps` accepts the shape exactly when no required
   * property is missing.
   */
  private *checkNewShapes(): Generator<void, void> {
    for (const shape of this.newShapes) {
      if (++this.work >= STEP_WORK) {
        this.work = 0
        yield
      }
      for (const key of REQUIRED_PROPS) {
        if (!shape.props?.has(key))
          refuse('invalid', `new shape "${shape.newId}" is invalid or incomplete (${key})`)
        // Every required key of a new shape is checked for a good value afterwards.
        this.group(shape, key)
      }
    }
  }

  /**
   * After the update, every required property the update touches must still hold a valid value.
   *
   * A key's value is its rightmost item: a new item goes right of its left origin, and when it ends
   * rightmost it deletes the item on its left. So the value afterwards is the document's live item
   * or one of the update's items for the key that no other of them names as origin (a tip). A tip
   * is good when it holds a plain value (checked by `checkSchema`) the update does not delete.
   * - Every tip good: the value afterwards is the live one or a good tip. If the update deletes
   *   the live value outright, a tip must descend from it (origin chain back to the live item), so
   *   that one of them certainly replaces it.
   * - A bad tip (deleted content, or deleted by the update) is harmless only when all the update's
   *   items for the key descend from one older item and Yjs places them left of the live value
   *   (a concurrent edit that lost, sent again): `landsRight` replays that placement.
   * For a shape the update creates, every required key needs tips, all good.
   */
  private *checkRequiredKept(): Generator<void, void> {
    if (this.required.length === 0) return
    this.replayBudget = 64 + 16 * this.decoded.structs.length
    for (const g of this.required) {
      if (++this.work >= STEP_WORK) {
        this.work = 0
        yield
      }
      const isNew = g.holder.newId !== null
      if (isNew) {
        // The common case (an import, a paste): tips checked without building lists.
        let tips = 0
        for (const s of g.items) {
          if (this.isOrigin(lastId(s))) continue
          tips++
          if (!(s.content instanceof Y.ContentAny) || this.deletesItself(s))
            refuse('invalid', `update leaves required shape property "${g.key}" of a new shape unset`)
        }
        if (tips === 0)
          refuse('invalid', `update leaves required shape property "${g.key}" of a new shape unset`)
        continue
      }
      const map = this.liveShapeMap(g.holder)
      if (map === null) continue // a deleted shape (or none): nothing of it is seen
      const tips = g.items.filter((s) => !this.isOrigin(lastId(s)))
      const bad = tips.filter((s) => !(s.content instanceof Y.ContentAny) || this.deletesItself(s))
      const what = `required shape property "${g.key}"`
      const live = map._map.get(g.key)
      // The key is unset already (only a broken document has that): the update cannot make it worse.
      if (live === undefined || live.deleted) continue
      const heads = new Map<Y.Item, Y.ID | null>()
      for (const s of g.items) {
        const origin = this.effectiveOrigin(s)
        if (origin === null || !this.isOwnItem(origin)) heads.set(s, origin)
      }
      const fromLive = [...heads.values()].some((o) => o !== null && sameId(o, lastId(live)))
      if (bad.length === 0) {
        if (g.deletesLive && !fromLive) refuse('invalid', `update deletes ${what}`)
        continue
      }
      const [only] = heads
      if (g.deletesLive || heads.size !== 1 || fromLive || only === undefined || this.landsRight(only, live))
        refuse('invalid', `update deletes ${what}`)
    }
  }

  /** Whether the update holds an item (not a GC or skip) at `id`. */
  private isOwnItem(id: Y.ID): boolean {
    if (storeFind(this.doc, id) !== undefined) return false
    return this.findOwn(id) instanceof Y.Item
  }

  /** The live shape map held by the stored entry `holder`, or null. */
  private liveShapeMap(holder: Shape): Y.Map<unknown> | null {
    const item = holder.stored ? holder.struct : undefined
    if (!(item instanceof Y.Item) || item.deleted || !(item.content instanceof Y.ContentType)) return null
    const type = item.content.type
    return type instanceof Y.Map ? (type as Y.Map<unknown>) : null
  }

  /**
   * Replays Yjs's conflict resolution (`Item.integrate`) for a new map item with left origin
   * `[head, origin]` against the document's items for its key: whether it ends right of `live`
   * (and so replaces it). Unclear cases (an origin inside a merged struct, too long a history)
   * count as replacing.
   */
  private landsRight([head, originId]: [Y.Item, Y.ID | null], live: Y.Item): boolean {
    let left: Y.Item | null = null
    let o: Y.Item | null
    if (originId !== null) {
      const origin = storeFind(this.doc, originId)
      if (!(origin instanceof Y.Item) || !sameId(lastId(origin), originId)) return true
      left = origin
      o = origin.right
    } else {
      o = live
      while (o.left !== null && this.replayBudget-- > 0) o = o.left
    }
    const before = new Set<Y.Item>()
    const conflicting = new Set<Y.Item>()
    while (o !== null) {
      if (this.replayBudget-- <= 0) return true
      before.add(o)
      conflicting.add(o)
      const oOrigin = o.origin ? storeFind(this.doc, o.origin) : undefined
      if (sameOrigin(originId, o.origin)) {
        if (o.id.client < head.id.client) {
          left = o
          conflicting.clear()
        } else if (o.rightOrigin === null) break
      } else if (oOrigin instanceof Y.Item && before.has(oOrigin)) {
        if (!conflicting.has(oOrigin)) {
          left = o
          conflicting.clear()
        }
      } else break
      o = o.right
    }
    return left === live
  }

  private *indexStructs(): Generator<void, void> {
    for (const s of this.decoded.structs) {
      if (++this.work >= STEP_WORK) {
        this.work = 0
        yield
      }
      const client = s.id.client
      let list = this.own.get(client)
      if (!list) {
        list = []
        this.own.set(client, list)
        this.available.set(client, this.state(client))
      }
      const prev = list.at(-1)
      // Within one client's run, clocks are contiguous; a second run of the same client would make
      // Yjs drop the first one (it keeps one run per client), so the update is not what it seems.
      if (prev && prev.id.clock + prev.length !== s.id.clock)
        refuse('malformed', `client ${client} appears twice`)
      list.push(s)
      const upTo = this.available.get(client)!
      if (s.id.clock + s.length <= upTo) continue
      if (s.id.clock > upTo || s instanceof Y.Skip) {
        // A gap: Yjs would keep this and every later struct of the client pending.
        refuse('incomplete', `update misses structs of client ${client} from clock ${upTo}`)
      }
      if (client === this.doc.clientID) refuse('forbidden', 'update uses the server’s client id')
      this.available.set(client, s.id.clock + s.length)
    }
  }

  private state(client: number): number {
    return Y.getState(this.doc.store, client)
  }

  /** True when the server has, or this update brings, the struct at `id`. */
  private has(id: Y.ID): boolean {
    return id.clock < (this.available.get(id.client) ?? this.state(id.client))
  }

  private checkReferences(item: DecodedItem): void {
    const refs = [item.origin, item.rightOrigin, item.parent instanceof Y.ID ? item.parent : null]
    for (const ref of refs) {
      if (!ref) continue
      // Yjs resolves same-client references without looking: they must point backwards.
      if (ref.client === item.id.client && ref.clock >= item.id.clock) {
        refuse(
          'malformed',
          `item ${item.id.client}:${item.id.clock} refers forward to its own clock ${ref.clock}`,
        )
      }
      if (!this.has(ref))
        refuse(
          'incomplete',
          `item ${item.id.client}:${item.id.clock} depends on unknown ${ref.client}:${ref.clock}`,
        )
    }
  }

  /** The update's own struct containing `id`, by binary search. */
  private findOwn(id: Y.ID): DecodedStruct | undefined {
    const list = this.own.get(id.client)
    if (!list) return undefined
    let lo = 0
    let hi = list.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const s = list[mid]!
      if (id.clock < s.id.clock) hi = mid - 1
      else if (id.clock >= s.id.clock + s.length) lo = mid + 1
      else return s
    }
    return undefined
  }

  /**
   * Where the struct at `id` lives. The document's copy wins over the update's: structs the
   * document already has are the ones Yjs integrates against.
   */
  private locateId(id: Y.ID): Location {
    const stored = storeFind(this.doc, id)
    if (stored !== undefined) return this.locateStored(stored)
    const own = this.findOwn(id)
    if (own === undefined) return refuse('incomplete', `unknown struct ${id.client}:${id.clock}`)
    return this.locate(own)
  }

  private locateStored(s: StoreStruct): Location {
    if (!(s instanceof Y.Item)) return DISCARDED
    const parent = s.parent as Y.AbstractType<unknown> | null
    if (!parent) return DISCARDED
    const root = this.rootOf(parent)
    if (root === null) return DISCARDED
    const holder = parent._item
    if (holder === null) return { root, depth: 0, key: s.parentSub, holder: null }
    const above = holder.parent as Y.AbstractType<unknown> | null
    if (above !== null && above._item === null)
      return { root, depth: 1, key: s.parentSub, holder: this.shape(holder, true) }
    return { root, depth: 2, key: s.parentSub, holder: null }
  }

  /** Root key of a type in the document (walking up through the items holding nested types). */
  private rootOf(type: Y.AbstractType<unknown>): string | null {
    const path: Y.AbstractType<unknown>[] = []
    let t: Y.AbstractType<unknown> | null = type
    let root: string | null | undefined
    while (t) {
      root = this.rootOfType.get(t)
      if (root !== undefined) break
      path.push(t)
      if (t._item === null) {
        root = Y.findRootTypeKey(t)
        break
      }
      // A type whose item was garbage-collected is gone; what is attached to it is discarded.
      t = t._item.parent as Y.AbstractType<unknown> | null
      if (!t) root = null
    }
    for (const p of path) this.rootOfType.set(p, root ?? null)
    return root ?? null
  }

  /** Where a decoded struct will be integrated, mirroring `Item.getMissing`. */
  private locate(s: DecodedStruct): Location {
    if (!(s instanceof Y.Item)) return DISCARDED // GC and Skip carry no content
    const memo = this.locationOfStruct.get(s)
    if (memo === 'resolving')
      return refuse('malformed', `item ${s.id.client}:${s.id.clock} is its own ancestor`)
    if (memo) return memo
    this.locationOfStruct.set(s, 'resolving')
    const item = s as DecodedItem
    let loc: Location
    if (item.origin || item.rightOrigin) {
      const left = item.origin ? this.locateId(item.origin) : null
      const right = item.rightOrigin ? this.locateId(item.rightOrigin) : null
      if ((item.origin && left === DISCARDED) || (item.rightOrigin && right === DISCARDED)) loc = DISCARDED
      else {
        loc = (left ?? right)!
        if (
          left &&
          right &&
          (left.root !== right.root ||
            left.depth !== right.depth ||
            left.key !== right.key ||
            left.holder !== right.holder)
        ) {
          refuse('malformed', `item ${s.id.client}:${s.id.clock} has neighbours in different types`)
        }
      }
    } else if (typeof item.parent === 'string') {
      loc = { root: item.parent, depth: 0, key: item.parentSub, holder: null }
    } else if (item.parent instanceof Y.ID) {
      loc = this.locateTypeItem(item.parent, item.parentSub)
    } else {
      loc = DISCARDED
    }
    this.locationOfStruct.set(s, loc)
    return loc
  }

  /** Location of a child of the type held by the item at `id` (Yjs discards it if there is none). */
  private locateTypeItem(id: Y.ID, key: string | null): Location {
    const stored = storeFind(this.doc, id)
    if (stored !== undefined) {
      if (!(stored instanceof Y.Item) || !(stored.content instanceof Y.ContentType)) return DISCARDED
      const root = this.rootOf(stored.content.type as Y.AbstractType<unknown>)
      if (root === null) return DISCARDED
      const held = this.locateStored(stored)
      return {
        root,
        depth: deeper(held.depth),
        key,
        holder: held.depth === 0 ? this.shape(stored, true) : null,
      }
    }
    const own = this.findOwn(id)
    if (!(own instanceof Y.Item) || !(own.content instanceof Y.ContentType) || own.id.clock !== id.clock) {
      return DISCARDED
    }
    const held = this.locate(own)
    if (held.root === null) return DISCARDED
    return {
      root: held.root,
      depth: deeper(held.depth),
      key,
      holder: held.depth === 0 ? this.shape(own, false) : null,
    }
  }

  /** The update deletes a live item outright: if it is a required property's value, note it. */
  private noteDeletion(loc: Location, schema: SchemaRules): void {
    if (loc.root !== schema.shapesRoot || loc.depth !== 1 || loc.key === null || loc.holder === null) return
    if (REQUIRED_PROPS.has(loc.key)) this.group(loc.holder, loc.key).deletesLive = true
  }

  private *checkDeletions(): Generator<void, void> {
    for (const [client, ranges] of this.decoded.ds.clients) {
      for (const { clock, len } of ranges) {
        if (len <= 0) continue
        if (clock + len > (this.available.get(client) ?? this.state(client))) {
          refuse('incomplete', `update deletes unknown structs of client ${client}`)
        }
        for (const s of storeRange(this.doc, client, clock, len)) {
          if (++this.work >= STEP_WORK) {
            this.work = 0
            yield
          }
          // Already deleted (or collected): deleting it again changes nothing.
          if (!(s instanceof Y.Item) || s.deleted) continue
          const loc = this.locateStored(s)
          if (loc.root === null) continue
          if (this.rules.protectedRoots.has(loc.root))
            refuse('forbidden', `update deletes from protected root "${loc.root}"`)
          if (loc.depth === 0 && this.rules.appendOnlyRoots.has(loc.root)) {
            refuse(
              'forbidden',
              `update removes an entry of "${loc.root}" (deleting needs a versioned commit)`,
            )
          }
          if (this.rules.schema) this.noteDeletion(loc, this.rules.schema)
        }
      }
    }
  }
}

/** A required property of a shape: the update's items for it, and whether it deletes its live value. */
type RequiredGroup = { holder: Shape; key: string; items: Y.Item[]; deletesLive: boolean }

const lastId = (s: Y.Item) => Y.createID(s.id.client, s.id.clock + s.length - 1)
const sameId = (a: Y.ID, b: Y.ID) => a.client === b.client && a.clock === b.clock
const sameOrigin = (a: Y.ID | null, b: Y.ID | null) => (a === null ? b === null : b !== null && sameId(a, b))

function clientStructs(doc: Y.Doc, client: number): StoreStruct[] | undefined {
  return (doc.store.clients as Map<number, StoreStruct[]>).get(client)
}

/** Binary search in a client's struct list; -1 when the clock is not in the store. */
function storeIndex(structs: StoreStruct[], clock: number): number {
  let lo = 0
  let hi = structs.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const s = structs[mid]!
    if (clock < s.id.clock) hi = mid - 1
    else if (clock >= s.id.clock + s.length) lo = mid + 1
    else return mid
  }
  return -1
}

function storeFind(doc: Y.Doc, id: Y.ID): StoreStruct | undefined {
  const structs = clientStructs(doc, id.client)
  if (!structs) return undefined
  const i = storeIndex(structs, id.clock)
  return i < 0 ? undefined : structs[i]
}

function* storeRange(doc: Y.Doc, client: number, clock: number, len: number): Generator<StoreStruct> {
  const structs = clientStructs(doc, client)
  if (!structs) return
  let i = storeIndex(structs, clock)
  if (i < 0) return
  for (; i < structs.length && structs[i]!.id.clock < clock + len; i++) yield structs[i]!
}
