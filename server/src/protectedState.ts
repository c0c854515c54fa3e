import * as Y from 'yjs'
import { crdtProps, SHAPE_ID_PATTERN } from '@easel/shared'
import { Ref, readUpdateStructs, TypeRef, type UpdateStructs } from './updateStructs.ts'

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
/** Each required property's bit in `Shape.propsSet`. */
const REQUIRED_BIT: ReadonlyMap<string, number> = new Map([...REQUIRED_PROPS].map((key, i) => [key, 2 ** i]))
if (REQUIRED_PROPS.size > 30) throw new Error('more required shape properties than bits')
const PROP_SCHEMAS: ReadonlyMap<string, (typeof crdtProps.shape)[keyof typeof crdtProps.shape]> = new Map(
  Object.entries(crdtProps.shape),
)

/** Per property: what its schema said of primitive values (a board repeats colours, sizes, kinds). */
const VERDICTS = new Map<string, Map<unknown, boolean>>()
/** Values remembered per property, and the longest string among them. */
const VERDICTS_KEPT = 512
const VERDICT_STRING_MAX = 64

/**
 * Whether `value` passes the schema of shape property `key`. The schemas are pure, so a primitive
 * value's verdict is remembered (up to VERDICTS_KEPT per property, first come): most of an import's
 * values are then a map lookup instead of a parse.
 */
function validProp(
  key: string,
  schema: { safeParse(v: unknown): { success: boolean } },
  value: unknown,
): boolean {
  const primitive =
    value === null ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && !Object.is(value, -0)) ||
    (typeof value === 'string' && value.length <= VERDICT_STRING_MAX)
  if (!primitive) return schema.safeParse(value).success
  let verdicts = VERDICTS.get(key)
  if (verdicts === undefined) {
    verdicts = new Map()
    VERDICTS.set(key, verdicts)
  }
  const known = verdicts.get(value)
  if (known !== undefined) return known
  const ok = schema.safeParse(value).success
  if (verdicts.size < VERDICTS_KEPT) verdicts.set(value, ok)
  return ok
}

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

type StoreStruct = Y.Item | Y.GC

/**
 * Where an item lives: the root key of its type tree (null when Yjs will discard the item, because
 * a neighbour or its parent was garbage-collected), how deep its parent is below that root (0: the
 * root itself, 1: a type held by a direct entry of the root, such as a shape's map, 2: deeper), the
 * map key it is set under, and at depth 1 the id of the entry holding its parent (which shape).
 */
type Location = { root: string | null; depth: 0 | 1 | 2; key: string | null; holder: Shape | null }
const DISCARDED: Location = Object.freeze({ root: null, depth: 0, key: null, holder: null })
/** A location being resolved (a second visit means the item is its own ancestor). */
const RESOLVING = Symbol('resolving')

/**
 * A struct holding a shape's map (a direct entry of a root), one record per struct so that
 * locations compare by identity: the store's struct when the document has it, else the index of
 * the update's.
 */
type Shape = {
  struct: StoreStruct | number
  /** Whether `struct` is the document's (else the update's own). */
  stored: boolean
  /** Set when the update creates this shape: its shape id. */
  newId: string | null
  /** Required properties the update sets with a checked value and does not itself delete (bits). */
  propsSet: number
  /** The update's items for required properties (indices), and each one's key. */
  items: number[] | null
  keys: string[] | null
  /** Required properties whose live value the update deletes outright. */
  deletesLive: Set<string> | null
  /** Whether the shape is in `Inspection.touched`. */
  touched: boolean
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
  const read = readUpdateStructs(update)
  try {
    yield* new Inspection(doc, read, rules).steps()
    return { kind: 'ok' }
  } catch (err) {
    if (err instanceof Verdict) return err.verdict
    throw err
  }
}

/** An item id as two numbers, for the update's own structs (no ID objects are built for them). */
const idOf = (client: number, clock: number) => `${client}:${clock}`

class Inspection {
  /** Per client: the update's run of structs (the update holds at most one per client). */
  private readonly own = new Map<number, { start: number; end: number }>()
  /** Per client: the clock up to which the server has, or this update supplies, every struct. */
  private readonly available = new Map<number, number>()
  /**
   * Per struct: its location, kept for the items others can name (types, and items placed by an
   * origin); an item naming its parent directly is located again in constant time.
   */
  private readonly locations: (Location | typeof RESOLVING | undefined)[]
  private readonly rootOfType = new Map<Y.AbstractType<unknown>, string | null>()
  /** Every struct holding a shape's map that the update touches (see {@link Shape}). */
  private readonly shapes = new Map<StoreStruct | number, Shape>()
  /** Shapes the update creates, in update order. */
  private readonly newShapes: Shape[] = []
  /** Shapes whose required properties the update sets or deletes, or creates. */
  private readonly touched: Shape[] = []
  /** Per client, the clocks the update's new items name as their left origin. */
  private readonly origins = new Map<number, Set<number>>()
  /** Steps left for replaying Yjs's conflict resolution against the document (see `landsRight`). */
  private replayBudget = 0
  /** Work done since the last yield (see {@link STEP_WORK}). */
  private work = 0

  constructor(
    private readonly doc: Y.Doc,
    private readonly u: UpdateStructs,
    private readonly rules: ProtectionRules,
  ) {
    this.locations = new Array(u.count)
  }

  /** The inspection, yielding after every {@link STEP_WORK} units of work; throws a Verdict. */
  *steps(): Generator<void, void> {
    const u = this.u
    yield* this.indexStructs()
    for (let i = 0; i < u.count; i++) {
      if (++this.work >= STEP_WORK) {
        this.work = 0
        yield
      }
      if (!u.isItem(i)) continue
      const known = this.state(u.client(i))
      if (u.clock(i) + u.length(i) <= known) continue // Yjs ignores what the document already has
      this.checkReferences(i)
      if (u.ref(i) === Ref.Doc) refuse('forbidden', 'subdocuments are not supported')
      const loc = this.locate(i)
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
        this.noteRequired(i, loc, this.rules.schema)
        this.checkSchema(i, loc, this.rules.schema)
      }
    }
    yield* this.checkDeletions()
    if (this.rules.schema) {
      yield* this.checkNewShapes()
      yield* this.checkRequiredKept()
    }
  }

  /** The left origin Yjs integrates the update's item `i` with (a partly known struct continues its own). */
  private effectiveOrigin(i: number): Y.ID | null {
    const u = this.u
    const known = this.state(u.client(i))
    if (u.clock(i) < known) return Y.createID(u.client(i), known - 1)
    return u.hasOrigin(i) ? Y.createID(u.originClient(i), u.originClock(i)) : null
  }

  /**
   * Remembers an item set under a shape property (deleted content included: it still takes the
   * key's place). Yjs never gives a map entry a right origin; one placed left of the live value is
   * deleted on arrival, so it can only hide a deletion.
   */
  private noteRequired(i: number, loc: Location, schema: SchemaRules): void {
    if (loc.root !== schema.shapesRoot || loc.depth !== 1 || loc.key === null || loc.holder === null) return
    if (this.u.hasRightOrigin(i)) refuse('invalid', `shape property "${loc.key}" has a right origin`)
    const origin = this.effectiveOrigin(i)
    if (origin) {
      let clocks = this.origins.get(origin.client)
      if (!clocks) {
        clocks = new Set()
        this.origins.set(origin.client, clocks)
      }
      clocks.add(origin.clock)
    }
    if (!REQUIRED_PROPS.has(loc.key)) return
    const holder = loc.holder
    holder.items ??= []
    holder.keys ??= []
    holder.items.push(i)
    holder.keys.push(loc.key)
    this.touch(holder)
  }

  private touch(shape: Shape): void {
    if (shape.touched) return
    shape.touched = true
    this.touched.push(shape)
  }

  /** Whether one of the update's new items names `client:clock` as its left origin. */
  private isOrigin(client: number, clock: number): boolean {
    return this.origins.get(client)?.has(clock) ?? false
  }

  /** Whether the update's item `i`'s last clock is named as a left origin by one of its new items. */
  private isOriginOwn(i: number): boolean {
    return this.isOrigin(this.u.client(i), this.u.lastClock(i))
  }

  /** The record of the struct holding a shape's map. */
  private shape(struct: StoreStruct | number, stored: boolean): Shape {
    let shape = this.shapes.get(struct)
    if (!shape) {
      shape = {
        struct,
        stored,
        newId: null,
        propsSet: 0,
        items: null,
        keys: null,
        deletesLive: null,
        touched: false,
      }
      this.shapes.set(struct, shape)
    }
    return shape
  }

  /** Whether the update deletes every clock of its struct `i` itself (then what it holds is never seen). */
  private deletesItself(i: number): boolean {
    const u = this.u
    const ranges = u.ds.get(u.client(i))
    if (!ranges) return false
    const clock = u.clock(i)
    let lo = 0
    let hi = ranges.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const r = ranges[mid]!
      if (clock < r.clock) hi = mid - 1
      else if (clock >= r.clock + r.len) lo = mid + 1
      else return clock + u.length(i) <= r.clock + r.len
    }
    return false
  }

  /**
   * A new item, checked against the shape schema. What the update deletes itself, and deleted
   * content, are not checked: a sync step 2 carries old history, overwritten values included.
   */
  private checkSchema(i: number, loc: Location, schema: SchemaRules): void {
    const u = this.u
    if (loc.root === null || u.ref(i) === Ref.Deleted || this.deletesItself(i)) return
    if (!schema.roots.has(loc.root)) refuse('invalid', `update writes to unknown root "${loc.root}"`)
    if (loc.root !== schema.shapesRoot) return
    // Only a refusal names the item: its id is spelled out then, not for every property.
    const at = (): string => idOf(u.client(i), u.clock(i))
    const { key, holder } = loc
    if (loc.depth === 0) {
      if (key === null || !SHAPE_ID_PATTERN.test(key)) refuse('invalid', `invalid shape id at ${at()}`)
      if (u.ref(i) !== Ref.Type || u.typeRef(i) !== TypeRef.Map)
        refuse('invalid', `shape "${key}" is not a map`)
      const shape = this.shape(i, false)
      shape.newId = key
      this.newShapes.push(shape)
      this.touch(shape)
      return
    }
    if (loc.depth === 2 || holder === null)
      refuse('invalid', `update writes inside a shape property at ${at()}`)
    const prop = key === null ? undefined : PROP_SCHEMAS.get(key)
    if (key === null || prop === undefined)
      refuse('invalid', `unknown shape property "${key ?? ''}" at ${at()}`)
    if (u.ref(i) !== Ref.Any) refuse('invalid', `shape property "${key}" must be a plain value at ${at()}`)
    for (const value of u.values(i)) {
      if (!validProp(key, prop, value)) refuse('invalid', `invalid value for shape property "${key}"`)
    }
    holder.propsSet |= REQUIRED_BIT.get(key) ?? 0
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
      for (const [key, bit] of REQUIRED_BIT) {
        if ((shape.propsSet & bit) === 0)
          refuse('invalid', `new shape "${shape.newId}" is invalid or incomplete (${key})`)
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
    if (this.touched.length === 0) return
    this.replayBudget = 64 + 16 * this.u.count
    for (const shape of this.touched) {
      const keys: Iterable<string> =
        shape.newId !== null ? REQUIRED_PROPS : new Set([...(shape.keys ?? []), ...(shape.deletesLive ?? [])])
      for (const key of keys) {
        if (++this.work >= STEP_WORK) {
          this.work = 0
          yield
        }
        this.checkKept(shape, key)
      }
    }
  }

  /** The update's items (indices) for the required property `key` of `shape`. */
  private itemsFor(shape: Shape, key: string): number[] {
    const items: number[] = []
    const keys = shape.keys ?? []
    for (let j = 0; j < keys.length; j++) if (keys[j] === key) items.push(shape.items![j]!)
    return items
  }

  /** Whether `i`'s content is a value that stays: a plain value the update does not delete. */
  private isGoodTip(i: number): boolean {
    return this.u.ref(i) === Ref.Any && !this.deletesItself(i)
  }

  private checkKept(shape: Shape, key: string): void {
    const items = this.itemsFor(shape, key)
    if (shape.newId !== null) {
      // The common case (an import, a paste): tips checked without building lists.
      let tips = 0
      for (const i of items) {
        if (this.isOriginOwn(i)) continue
        tips++
        if (!this.isGoodTip(i))
          refuse('invalid', `update leaves required shape property "${key}" of a new shape unset`)
      }
      if (tips === 0) refuse('invalid', `update leaves required shape property "${key}" of a new shape unset`)
      return
    }
    const map = this.liveShapeMap(shape)
    if (map === null) return // a deleted shape (or none): nothing of it is seen
    const tips = items.filter((i) => !this.isOriginOwn(i))
    const bad = tips.filter((i) => !this.isGoodTip(i))
    const what = `required shape property "${key}"`
    const live = map._map.get(key)
    // The key is unset already (only a broken document has that): the update cannot make it worse.
    if (live === undefined || live.deleted) return
    const heads = new Map<number, Y.ID | null>()
    for (const i of items) {
      const origin = this.effectiveOrigin(i)
      if (origin === null || !this.isOwnItem(origin)) heads.set(i, origin)
    }
    const fromLive = [...heads.values()].some((o) => o !== null && sameId(o, lastId(live)))
    const deletesLive = shape.deletesLive?.has(key) ?? false
    if (bad.length === 0) {
      if (deletesLive && !fromLive) refuse('invalid', `update deletes ${what}`)
      return
    }
    const [only] = heads
    if (deletesLive || heads.size !== 1 || fromLive || only === undefined || this.landsRight(only, live))
      refuse('invalid', `update deletes ${what}`)
  }

  /** Whether the update holds an item (not a GC or skip) at `id`. */
  private isOwnItem(id: Y.ID): boolean {
    if (storeFind(this.doc, id) !== undefined) return false
    const own = this.findOwn(id.client, id.clock)
    return own >= 0 && this.u.isItem(own)
  }

  /** The live shape map held by the stored entry `holder`, or null. */
  private liveShapeMap(holder: Shape): Y.Map<unknown> | null {
    const item = holder.stored ? holder.struct : undefined
    if (!(item instanceof Y.Item) || item.deleted || !(item.content instanceof Y.ContentType)) return null
    const type = item.content.type
    return type instanceof Y.Map ? (type as Y.Map<unknown>) : null
  }

  /**
   * Replays Yjs's conflict resolution (`Item.integrate`) for the update's map item `head` with
   * left origin `originId` against the document's items for its key: whether it ends right of
   * `live` (and so replaces it). Unclear cases (an origin inside a merged struct, too long a
   * history) count as replacing.
   */
  private landsRight([head, originId]: [number, Y.ID | null], live: Y.Item): boolean {
    const headClient = this.u.client(head)
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
        if (o.id.client < headClient) {
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
    const u = this.u
    for (const block of u.blocks) {
      const { client } = block
      // Yjs keeps one run per client (a second replaces the first): the update is not what it seems.
      if (this.own.has(client)) refuse('malformed', `client ${client} appears twice`)
      this.own.set(client, block)
      let upTo = this.state(client)
      for (let i = block.start; i < block.end; i++) {
        if (++this.work >= STEP_WORK) {
          this.work = 0
          yield
        }
        const clock = u.clock(i)
        if (clock + u.length(i) <= upTo) continue
        if (clock > upTo || u.ref(i) === Ref.Skip) {
          // A gap: Yjs would keep this and every later struct of the client pending.
          refuse('incomplete', `update misses structs of client ${client} from clock ${upTo}`)
        }
        if (client === this.doc.clientID) refuse('forbidden', 'update uses the server’s client id')
        upTo = clock + u.length(i)
      }
      this.available.set(client, upTo)
    }
  }

  private state(client: number): number {
    return Y.getState(this.doc.store, client)
  }

  /** True when the server has, or this update brings, the struct at `client:clock`. */
  private has(client: number, clock: number): boolean {
    return clock < (this.available.get(client) ?? this.state(client))
  }

  private checkReferences(i: number): void {
    const u = this.u
    const client = u.client(i)
    const clock = u.clock(i)
    const check = (refClient: number, refClock: number) => {
      if (refClient < 0) return
      // Yjs resolves same-client references without looking: they must point backwards.
      if (refClient === client && refClock >= clock) {
        refuse('malformed', `item ${idOf(client, clock)} refers forward to its own clock ${refClock}`)
      }
      if (!this.has(refClient, refClock))
        refuse('incomplete', `item ${idOf(client, clock)} depends on unknown ${idOf(refClient, refClock)}`)
    }
    check(u.originClient(i), u.originClock(i))
    check(u.rightClient(i), u.rightClock(i))
    check(u.parentClient(i), u.parentClock(i))
  }

  /** The index of the update's own struct containing `client:clock`, by binary search; -1 if none. */
  private findOwn(client: number, clock: number): number {
    const block = this.own.get(client)
    if (!block) return -1
    const u = this.u
    let lo = block.start
    let hi = block.end - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (clock < u.clock(mid)) hi = mid - 1
      else if (clock >= u.clock(mid) + u.length(mid)) lo = mid + 1
      else return mid
    }
    return -1
  }

  /**
   * Where the struct at `client:clock` lives. The document's copy wins over the update's: structs
   * the document already has are the ones Yjs integrates against.
   */
  private locateId(client: number, clock: number): Location {
    const stored = storeFindAt(this.doc, client, clock)
    if (stored !== undefined) return this.locateStored(stored)
    const own = this.findOwn(client, clock)
    if (own < 0) return refuse('incomplete', `unknown struct ${idOf(client, clock)}`)
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

  /** Where the update's struct `i` will be integrated, mirroring `Item.getMissing`. */
  private locate(i: number): Location {
    const u = this.u
    if (!u.isItem(i)) return DISCARDED // GC and Skip carry no content
    const memo = this.locations[i]
    if (memo === RESOLVING)
      return refuse('malformed', `item ${idOf(u.client(i), u.clock(i))} is its own ancestor`)
    if (memo) return memo
    this.locations[i] = RESOLVING
    let loc: Location
    let keep = u.ref(i) === Ref.Type
    if (u.hasOrigin(i) || u.hasRightOrigin(i)) {
      keep = true
      const left = u.hasOrigin(i) ? this.locateId(u.originClient(i), u.originClock(i)) : null
      const right = u.hasRightOrigin(i) ? this.locateId(u.rightClient(i), u.rightClock(i)) : null
      if (left === DISCARDED || right === DISCARDED) loc = DISCARDED
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
          refuse('malformed', `item ${idOf(u.client(i), u.clock(i))} has neighbours in different types`)
        }
      }
    } else if (u.parentKey(i) !== null) {
      loc = { root: u.parentKey(i), depth: 0, key: u.parentSub(i), holder: null }
    } else if (u.parentClient(i) >= 0) {
      loc = this.locateTypeItem(u.parentClient(i), u.parentClock(i), u.parentSub(i))
    } else {
      loc = DISCARDED
    }
    this.locations[i] = keep ? loc : undefined
    return loc
  }

  /**
   * Location of a child of the type held by the item at `client:clock` (Yjs discards it if there
   * is none).
   */
  private locateTypeItem(client: number, clock: number, key: string | null): Location {
    const stored = storeFindAt(this.doc, client, clock)
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
    const u = this.u
    const own = this.findOwn(client, clock)
    if (own < 0 || u.ref(own) !== Ref.Type || u.clock(own) !== clock) return DISCARDED
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
    if (!REQUIRED_PROPS.has(loc.key)) return
    loc.holder.deletesLive ??= new Set()
    loc.holder.deletesLive.add(loc.key)
    this.touch(loc.holder)
  }

  private *checkDeletions(): Generator<void, void> {
    for (const [client, ranges] of this.u.ds) {
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
  return storeFindAt(doc, id.client, id.clock)
}

function storeFindAt(doc: Y.Doc, client: number, clock: number): StoreStruct | undefined {
  const structs = clientStructs(doc, client)
  if (!structs) return undefined
  const i = storeIndex(structs, clock)
  return i < 0 ? undefined : structs[i]
}

function* storeRange(doc: Y.Doc, client: number, clock: number, len: number): Generator<StoreStruct> {
  const structs = clientStructs(doc, client)
  if (!structs) return
  let i = storeIndex(structs, clock)
  if (i < 0) return
  for (; i < structs.length && structs[i]!.id.clock < clock + len; i++) yield structs[i]!
}
