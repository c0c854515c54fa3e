/**
 * fast-check generators for the frame fuzzer (frameFuzz.test.ts).
 *
 * A generated value is a *frame spec*: plain data that shrinks well. Specs that need live state
 * (real Yjs updates from a replica synced with the room, the room's current versions, the lease
 * token the fuzz socket was granted) are turned into bytes at run time by {@link materialize};
 * everything that is sent is logged as hex by the harness, so a shrunk counterexample can be read
 * as the exact frames that went over the wire.
 */

import {
  insertShape,
  MessageType,
  PROTOCOL_VERSION,
  ROOT_META,
  ROOT_SHAPES,
  ROOT_VERSIONED,
  SHAPE_KINDS,
  shapesMap,
  VERSIONED_FIELDS,
  type VersionedField,
  versionedKey,
  versionedMap,
} from '@easel/shared'
import fc from 'fast-check'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { RECT } from '@easel/testkit/protocolClient.ts'
import { encodeDecodedUpdate } from './yjsForge.ts'

// ---------------------------------------------------------------------------------------------
// Encoding helpers
// ---------------------------------------------------------------------------------------------

/** `00 02 1a ...`: bytes as spaced hex, cut after `max` bytes (with the total length). */
export function hex(bytes: Uint8Array, max = 4096): string {
  const shown = Buffer.from(bytes.subarray(0, max))
    .toString('hex')
    .replace(/(..)(?=.)/g, '$1 ')
  return bytes.length > max ? `${shown} ... (${bytes.length} bytes)` : shown
}

const frame = (write: (e: encoding.Encoder) => void): Uint8Array => {
  const e = encoding.createEncoder()
  write(e)
  return encoding.toUint8Array(e)
}

export const syncStep1Frame = (stateVector: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.Sync)
    encoding.writeVarUint(e, 0)
    encoding.writeVarUint8Array(e, stateVector)
  })
export const syncStep2Frame = (update: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.Sync)
    encoding.writeVarUint(e, 1)
    encoding.writeVarUint8Array(e, update)
  })
export const updateFrame = (update: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.Sync)
    encoding.writeVarUint(e, 2)
    encoding.writeVarUint8Array(e, update)
  })
export const awarenessFrame = (payload: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.Awareness)
    encoding.writeVarUint8Array(e, payload)
  })
export const queryAwarenessFrame = () => frame((e) => encoding.writeVarUint(e, MessageType.QueryAwareness))
export const easelTextFrame = (text: string) =>
  frame((e) => {
    encoding.writeVarUint(e, MessageType.Easel)
    encoding.writeVarString(e, text)
  })

/** A state vector from explicit (client, clock) pairs (y-protocols' encoding). */
export function encodeStateVector(entries: readonly (readonly [number, number])[]): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, entries.length)
    for (const [client, clock] of entries) {
      encoding.writeVarUint(e, client)
      encoding.writeVarUint(e, clock)
    }
  })
}

/** An awareness update (y-protocols' encoding) from explicit entries. */
export function encodeAwareness(entries: readonly { client: number; clock: number; state: unknown }[]) {
  return frame((e) => {
    encoding.writeVarUint(e, entries.length)
    for (const { client, clock, state } of entries) {
      encoding.writeVarUint(e, client)
      encoding.writeVarUint(e, clock)
      encoding.writeVarString(e, JSON.stringify(state ?? null))
    }
  })
}

type Decoded = ReturnType<typeof Y.decodeUpdate>
type WritableItem = Omit<Y.Item, 'parent'> & { parent: Y.ID | string | null }

/** The Yjs update inside a sync step 2 / update frame, or null. */
export function splitUpdateFrame(bytes: Uint8Array): { step: number; update: Uint8Array } | null {
  try {
    const d = decoding.createDecoder(bytes)
    if (decoding.readVarUint(d) !== MessageType.Sync) return null
    const step = decoding.readVarUint(d)
    if (step !== 1 && step !== 2) return null
    const update = decoding.readVarUint8Array(d)
    return { step, update }
  } catch {
    return null
  }
}

// ---------------------------------------------------------------------------------------------
// Run-time context: what materialize() may read and change
// ---------------------------------------------------------------------------------------------

export type FuzzContext = {
  /** The room's document on the server (in-process), read for state vectors and store ids. */
  roomDoc(): Y.Doc
  /** A replica synced with the room on demand; replaced when it got ahead of the room. */
  replica(): Y.Doc
  /** Frames sent earlier in this run, for replays and splices. */
  sent: Uint8Array[]
  /** Latest lease token granted to the fuzz socket, per shape. */
  tokens: Map<string, number>
  /** Counter for unique ids inside one run. */
  seq: { n: number }
}

/** Brings the replica up to date with the room (what the server would send it on sync). */
export function syncReplica(ctx: FuzzContext): Y.Doc {
  const replica = ctx.replica()
  const room = ctx.roomDoc()
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(room, Y.encodeStateVector(replica)), 'sync')
  return replica
}

const shapeIds = (doc: Y.Doc) => [...shapesMap(doc).keys()].sort()
const pick = <T>(list: readonly T[], i: number): T | undefined =>
  list.length === 0 ? undefined : list[i % list.length]

// ---------------------------------------------------------------------------------------------
// Replica operations: real edits whose Yjs updates get sent
// ---------------------------------------------------------------------------------------------

const PROP_KEYS = [
  'x',
  'y',
  'w',
  'h',
  'rotation',
  'z',
  'stroke',
  'fill',
  'opacity',
  'points',
  'extra',
] as const

export type ReplicaOp =
  | { o: 'addShape'; kind: number; x: number; y: number; w: number; h: number }
  | { o: 'move'; target: number; x: number; y: number }
  | { o: 'setProp'; target: number; key: string; value: unknown }
  | { o: 'deleteProp'; target: number; key: string }
  | { o: 'nested'; target: number; key: string; type: 'map' | 'array' | 'text'; init: string }
  | { o: 'nestedEdit'; target: number; pick: number; pos: number; del: number; text: string }
  | { o: 'rootText'; name: string; pos: number; del: number; text: string; format: boolean }
  | { o: 'rootArray'; name: string; pos: number; del: number; items: unknown[] }
  | { o: 'rootMap'; name: string; key: string; value: unknown; remove: boolean }
  /** Refused by the server (append-only `shapes`): deletes or replaces an existing shape. */
  | { o: 'deleteShape'; target: number; replace: boolean }
  /**
   * A shape created and then removed (or set twice) within the same transaction, as an editor
   * that cancels a just-drawn shape might do: also a removal of a `shapes` entry.
   */
  | { o: 'transientShape'; replace: boolean }
  /** Refused by the server (protected roots). */
  | { o: 'writeProtected'; root: 'versioned' | 'meta'; key: number; value: unknown; remove: boolean }

const smallJson = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: false }),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 6 }),
)

export const replicaOp: fc.Arbitrary<ReplicaOp> = fc.oneof(
  {
    arbitrary: fc.record({
      o: fc.constant('addShape' as const),
      kind: fc.nat(SHAPE_KINDS.length - 1),
      x: fc.integer({ min: -500, max: 500 }),
      y: fc.integer({ min: -500, max: 500 }),
      w: fc.nat(400),
      h: fc.nat(400),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      o: fc.constant('move' as const),
      target: fc.nat(7),
      x: fc.integer({ min: -500, max: 500 }),
      y: fc.integer({ min: -500, max: 500 }),
    }),
    weight: 3,
  },
  fc.record({
    o: fc.constant('setProp' as const),
    target: fc.nat(7),
    key: fc.constantFrom(...PROP_KEYS),
    value: smallJson,
  }),
  fc.record({ o: fc.constant('deleteProp' as const), target: fc.nat(7), key: fc.constantFrom(...PROP_KEYS) }),
  fc.record({
    o: fc.constant('nested' as const),
    target: fc.nat(7),
    key: fc.constantFrom('label', 'meta', 'points'),
    type: fc.constantFrom('map' as const, 'array' as const, 'text' as const),
    init: fc.string({ maxLength: 6 }),
  }),
  {
    arbitrary: fc.record({
      o: fc.constant('nestedEdit' as const),
      target: fc.nat(7),
      pick: fc.nat(3),
      pos: fc.nat(10),
      del: fc.nat(3),
      text: fc.string({ maxLength: 6 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      o: fc.constant('rootText' as const),
      name: fc.constantFrom('notes', 'title'),
      pos: fc.nat(20),
      del: fc.nat(4),
      text: fc.string({ maxLength: 8 }),
      format: fc.boolean(),
    }),
    weight: 2,
  },
  fc.record({
    o: fc.constant('rootArray' as const),
    name: fc.constantFrom('list', 'log'),
    pos: fc.nat(10),
    del: fc.nat(3),
    items: fc.array(smallJson, { maxLength: 3 }),
  }),
  fc.record({
    o: fc.constant('rootMap' as const),
    name: fc.constantFrom('misc', 'settings'),
    key: fc.constantFrom('a', 'b', 'c'),
    value: smallJson,
    remove: fc.boolean(),
  }),
  {
    arbitrary: fc.record({
      o: fc.constant('deleteShape' as const),
      target: fc.nat(7),
      replace: fc.boolean(),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ o: fc.constant('transientShape' as const), replace: fc.boolean() }), weight: 1 },
  {
    arbitrary: fc.record({
      o: fc.constant('writeProtected' as const),
      root: fc.constantFrom('versioned' as const, 'meta' as const),
      key: fc.nat(7),
      value: smallJson,
      remove: fc.boolean(),
    }),
    weight: 1,
  },
)

/** Applies `ops` to `doc` in one transaction (origin 'fuzz'). Never throws on missing targets. */
export function applyReplicaOps(doc: Y.Doc, ops: readonly ReplicaOp[], seq: { n: number }): void {
  doc.transact(() => {
    for (const op of ops) applyReplicaOp(doc, op, seq)
  }, 'fuzz')
}

function shapeAt(doc: Y.Doc, target: number): Y.Map<unknown> | undefined {
  const id = pick(shapeIds(doc), target)
  const v = id === undefined ? undefined : shapesMap(doc).get(id)
  return v instanceof Y.Map ? v : undefined
}

function applyReplicaOp(doc: Y.Doc, op: ReplicaOp, seq: { n: number }): void {
  switch (op.o) {
    case 'addShape': {
      const id = `fz${doc.clientID.toString(36)}-${seq.n++}`
      insertShape(doc, id, {
        ...RECT,
        kind: SHAPE_KINDS[op.kind]!,
        x: op.x,
        y: op.y,
        w: op.w,
        h: op.h,
        z: `a${seq.n}`,
      })
      return
    }
    case 'move': {
      const s = shapeAt(doc, op.target)
      s?.set('x', op.x)
      s?.set('y', op.y)
      return
    }
    case 'setProp':
      shapeAt(doc, op.target)?.set(op.key, op.value)
      return
    case 'deleteProp':
      shapeAt(doc, op.target)?.delete(op.key)
      return
    case 'nested': {
      const s = shapeAt(doc, op.target)
      if (!s) return
      if (op.type === 'map') {
        const m = new Y.Map<unknown>()
        m.set('v', op.init)
        s.set(op.key, m)
      } else if (op.type === 'array') {
        const a = new Y.Array<unknown>()
        a.push([op.init, op.init.length])
        s.set(op.key, a)
      } else {
        s.set(op.key, new Y.Text(op.init))
      }
      return
    }
    case 'nestedEdit': {
      const s = shapeAt(doc, op.target)
      if (!s) return
      const nested = [...s.values()].filter((v) => v instanceof Y.AbstractType)
      const t = pick(nested, op.pick)
      if (t instanceof Y.Text) {
        const pos = Math.min(op.pos, t.length)
        t.delete(pos, Math.min(op.del, t.length - pos))
        t.insert(pos, op.text)
      } else if (t instanceof Y.Array) {
        const pos = Math.min(op.pos, t.length)
        t.delete(pos, Math.min(op.del, t.length - pos))
        t.insert(pos, [op.text])
      } else if (t instanceof Y.Map) {
        if (op.del > 0) t.delete('v')
        else t.set(`k${op.pos}`, op.text)
      }
      return
    }
    case 'rootText': {
      const t = doc.getText(op.name)
      const pos = Math.min(op.pos, t.length)
      t.delete(pos, Math.min(op.del, t.length - pos))
      t.insert(pos, op.text, op.format ? { bold: true } : undefined)
      if (op.format && t.length > 0) t.format(0, Math.min(2, t.length), { italic: true })
      return
    }
    case 'rootArray': {
      const a = doc.getArray<unknown>(op.name)
      const pos = Math.min(op.pos, a.length)
      a.delete(pos, Math.min(op.del, a.length - pos))
      a.insert(pos, op.items)
      return
    }
    case 'rootMap': {
      const m = doc.getMap<unknown>(op.name)
      if (op.remove) m.delete(op.key)
      else m.set(op.key, op.value)
      return
    }
    case 'deleteShape': {
      const id = pick(shapeIds(doc), op.target)
      if (id === undefined) return
      if (op.replace) {
        insertShape(doc, id, { ...RECT, kind: 'rect', x: 1, y: 1, w: 1, h: 1 })
      } else shapesMap(doc).delete(id)
      return
    }
    case 'transientShape': {
      const id = `fz${doc.clientID.toString(36)}-${seq.n++}`
      insertShape(doc, id, { ...RECT, kind: 'rect', x: 2, y: 2, w: 2, h: 2 })
      if (op.replace) insertShape(doc, id, { ...RECT, kind: 'ellipse', x: 3, y: 3, w: 3, h: 3 })
      else shapesMap(doc).delete(id)
      return
    }
    case 'writeProtected': {
      const root = op.root === 'versioned' ? versionedMap(doc) : doc.getMap(ROOT_META)
      const keys = [...root.keys()].sort()
      const key = pick(keys, op.key) ?? `k${op.key}`
      if (op.remove) root.delete(key)
      else root.set(key, op.value)
      return
    }
  }
}

/** Runs `ops` on the replica and returns the transaction's update (empty update if nothing changed). */
export function replicaUpdate(doc: Y.Doc, ops: readonly ReplicaOp[], seq: { n: number }): Uint8Array {
  let captured: Uint8Array | null = null
  const onUpdate = (u: Uint8Array, origin: unknown) => {
    if (origin === 'fuzz') captured = captured ? Y.mergeUpdates([captured, u]) : u
  }
  doc.on('update', onUpdate)
  try {
    applyReplicaOps(doc, ops, seq)
  } finally {
    doc.off('update', onUpdate)
  }
  return captured ?? Y.encodeStateAsUpdate(new Y.Doc())
}

// ---------------------------------------------------------------------------------------------
// Easel (JSON) messages
// ---------------------------------------------------------------------------------------------

/** Shape ids used in Easel messages: a setup shape (s1..s3), an index into the room's shapes, or a literal. */
type ShapeRef = { setup: number } | { idx: number } | { lit: string }
const shapeRef: fc.Arbitrary<ShapeRef> = fc.oneof(
  { arbitrary: fc.record({ setup: fc.constant(0) }), weight: 4 },
  { arbitrary: fc.record({ setup: fc.nat(2) }), weight: 3 },
  { arbitrary: fc.record({ idx: fc.nat(7) }), weight: 2 },
  fc.record({
    lit: fc.oneof(fc.constantFrom('s1', 'nope', '', 'a'.repeat(65), '../x'), fc.string({ maxLength: 10 })),
  }),
)
/** A version: relative to the current one on the server (0 = current, floored at 0), or absolute. */
type VersionRef = { rel: number } | { abs: number }
const versionRef: fc.Arbitrary<VersionRef> = fc.oneof(
  { arbitrary: fc.record({ rel: fc.constant(0) }), weight: 6 },
  fc.record({ rel: fc.constantFrom(-1, 1) }),
  fc.record({ abs: fc.oneof(fc.nat(3), fc.constantFrom(-1, 2 ** 31, 2 ** 53, 1.5)) }),
)
type TokenRef = 'none' | 'current' | { abs: number }
const tokenRef: fc.Arbitrary<TokenRef> = fc.oneof(
  { arbitrary: fc.constant('current' as const), weight: 4 },
  fc.constant('none' as const),
  fc.record({ abs: fc.oneof(fc.nat(5), fc.constantFrom(-1, 2 ** 40, 0.5)) }),
)

const valueFor = (field: VersionedField): fc.Arbitrary<unknown> =>
  ({
    deleted: fc.boolean(),
    binding: fc.record({
      start: fc.option(fc.constantFrom('s1', 's2', 'x'), { nil: null }),
      end: fc.option(fc.constantFrom('s1', 's2', 'x'), { nil: null }),
    }),
    parent: fc.option(fc.constantFrom('s1', 's2', 'g1'), { nil: null }),
    locked: fc.boolean(),
    text: fc.string({ maxLength: 12 }),
  })[field]

type CommitOpSpec = { shape: ShapeRef; field: string; base: VersionRef; value: unknown }
const commitOpSpec: fc.Arbitrary<CommitOpSpec> = fc.oneof(
  {
    // `deleted` needs no lease and no valid target, so it is the field most often committed twice.
    arbitrary: fc
      .oneof(fc.constant<VersionedField>('deleted'), fc.constantFrom(...VERSIONED_FIELDS))
      .chain((field) =>
        fc.record({
          shape: shapeRef,
          field: fc.constant<string>(field),
          base: versionRef,
          value: valueFor(field),
        }),
      ),
    weight: 10,
  },
  // invalid value or unknown field
  fc.record({
    shape: shapeRef,
    field: fc.constantFrom(...VERSIONED_FIELDS, 'x', 'kind', '__proto__'),
    base: versionRef,
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
)

export type EaselSpec =
  | { e: 'hello'; protocol: number; name?: string; color?: string; resume?: string }
  | { e: 'commit'; opId: number; ops: CommitOpSpec[]; token: TokenRef }
  | { e: 'lock.acquire'; shape: ShapeRef; wait: boolean }
  | { e: 'lock.renew'; shape: ShapeRef; token: TokenRef; activity: boolean }
  | { e: 'lock.release'; shape: ShapeRef; token: TokenRef }
  | { e: 'lock.cancelWait'; shape: ShapeRef }
  /** Arbitrary JSON, usually invalid as a message. */
  | { e: 'json'; value: unknown }
  /** Not JSON at all (or JSON text with junk around it). */
  | { e: 'text'; text: string }

export const easelSpec: fc.Arbitrary<EaselSpec> = fc.oneof(
  {
    arbitrary: fc.record(
      {
        e: fc.constant('hello' as const),
        protocol: fc.oneof(
          { arbitrary: fc.constant(PROTOCOL_VERSION), weight: 5 },
          fc.integer({ min: -1, max: 3 }),
        ),
        name: fc.oneof(
          { arbitrary: fc.string({ maxLength: 10 }), weight: 4 },
          fc.string({ minLength: 60, maxLength: 70 }),
        ),
        color: fc.constantFrom('#ff0000', 'red', '', 'x'.repeat(40)),
        resume: fc.oneof(
          { arbitrary: fc.constantFrom('AAAAAAAAAAAAAAAAAAAAAA.forged', 'no-dot', '.'), weight: 4 },
          fc.string({ maxLength: 70 }),
        ),
      },
      { requiredKeys: ['e', 'protocol'] },
    ),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      e: fc.constant('commit' as const),
      opId: fc.oneof(fc.nat(3), fc.nat(1_000_000)),
      ops: fc.oneof(
        { arbitrary: fc.array(commitOpSpec, { minLength: 1, maxLength: 1 }), weight: 4 },
        fc.array(commitOpSpec, { minLength: 1, maxLength: 3 }),
      ),
      token: tokenRef,
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({ e: fc.constant('lock.acquire' as const), shape: shapeRef, wait: fc.boolean() }),
    weight: 3,
  },
  fc.record({
    e: fc.constant('lock.renew' as const),
    shape: shapeRef,
    token: tokenRef,
    activity: fc.boolean(),
  }),
  fc.record({ e: fc.constant('lock.release' as const), shape: shapeRef, token: tokenRef }),
  fc.record({ e: fc.constant('lock.cancelWait' as const), shape: shapeRef }),
  fc.record({ e: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({
    e: fc.constant('json' as const),
    value: fc.record({
      t: fc.constantFrom('hello', 'commit', 'lock.acquire', 'lock.renew', 'welcome', 'error', 'constructor'),
      opId: fc.string({ maxLength: 10 }),
      ops: fc.jsonValue({ maxDepth: 2 }),
      shapeId: fc.string({ maxLength: 5 }),
      token: fc.jsonValue({ maxDepth: 1 }),
    }),
  }),
  fc.record({
    e: fc.constant('text' as const),
    text: fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('{', '{"t":"hello"', 'null', '[]', '"x"', '\u0000'),
    ),
  }),
)

function resolveShape(ctx: FuzzContext, ref: ShapeRef): string {
  if ('lit' in ref) return ref.lit
  const ids = shapeIds(ctx.roomDoc())
  if ('setup' in ref)
    return (
      pick(
        ids.filter((id) => /^s\d$/.test(id)),
        ref.setup,
      ) ?? 's1'
    )
  return pick(ids, ref.idx) ?? 's1'
}
function resolveVersion(ctx: FuzzContext, shapeId: string, field: string, ref: VersionRef): number {
  if ('abs' in ref) return ref.abs
  const entry = versionedMap(ctx.roomDoc()).get(versionedKey(shapeId, field as VersionedField)) as
    | { version?: number }
    | undefined
  return Math.max(0, (entry?.version ?? 0) + ref.rel)
}
function resolveToken(ctx: FuzzContext, shapeId: string, ref: TokenRef): number | undefined {
  if (ref === 'none') return undefined
  if (ref === 'current') return ctx.tokens.get(shapeId) ?? 0
  return ref.abs
}

export function easelMessage(ctx: FuzzContext, spec: EaselSpec): string {
  switch (spec.e) {
    case 'hello': {
      const { e: _e, ...rest } = spec
      return JSON.stringify({ t: 'hello', ...rest })
    }
    case 'commit': {
      const ops = spec.ops.map((op) => {
        const shapeId = resolveShape(ctx, op.shape)
        return {
          shapeId,
          field: op.field,
          baseVersion: resolveVersion(ctx, shapeId, op.field, op.base),
          value: op.value,
        }
      })
      const token = resolveToken(ctx, ops[0]!.shapeId, spec.token)
      return JSON.stringify({
        t: 'commit',
        opId: `fuzz-op-${spec.opId}`,
        ops,
        ...(token === undefined ? {} : { token }),
      })
    }
    case 'lock.acquire':
      return JSON.stringify({ t: 'lock.acquire', shapeId: resolveShape(ctx, spec.shape), wait: spec.wait })
    case 'lock.renew': {
      const shapeId = resolveShape(ctx, spec.shape)
      return JSON.stringify({
        t: 'lock.renew',
        shapeId,
        token: resolveToken(ctx, shapeId, spec.token),
        activity: spec.activity,
      })
    }
    case 'lock.release': {
      const shapeId = resolveShape(ctx, spec.shape)
      return JSON.stringify({ t: 'lock.release', shapeId, token: resolveToken(ctx, shapeId, spec.token) })
    }
    case 'lock.cancelWait':
      return JSON.stringify({ t: 'lock.cancelWait', shapeId: resolveShape(ctx, spec.shape) })
    case 'json':
      return JSON.stringify(spec.value) ?? 'null'
    case 'text':
      return spec.text
  }
}

// ---------------------------------------------------------------------------------------------
// Frame specs
// ---------------------------------------------------------------------------------------------

type SvSpec = 'room' | 'replica' | 'empty' | { entries: [number, number][] }

/** Where a Yjs-level mutation points an id: into the room's store, into the update, or anywhere. */
export type IdTarget =
  | { src: 'store'; i: number; off: number }
  | { src: 'update'; i: number; off: number }
  /** A clock past what the room knows for an existing client: a missing dependency. */
  | { src: 'future'; i: number; ahead: number }
  | { src: 'server' }
  | { src: 'random'; client: number; clock: number }

const idTarget: fc.Arbitrary<IdTarget> = fc.oneof(
  fc.record({ src: fc.constant('store' as const), i: fc.nat(), off: fc.nat(3) }),
  fc.record({ src: fc.constant('update' as const), i: fc.nat(), off: fc.nat(3) }),
  fc.record({ src: fc.constant('future' as const), i: fc.nat(), ahead: fc.nat(5) }),
  fc.constant({ src: 'server' as const }),
  fc.record({ src: fc.constant('random' as const), client: fc.nat(), clock: fc.nat(50) }),
)

/** Delete-set targets lean on the server's own next clocks: a delete there waits for its next write. */
const dsTarget: fc.Arbitrary<IdTarget> = fc.oneof(
  { arbitrary: fc.constant({ src: 'server' as const }), weight: 3 },
  { arbitrary: fc.record({ src: fc.constant('future' as const), i: fc.nat(), ahead: fc.nat(5) }), weight: 2 },
  { arbitrary: fc.record({ src: fc.constant('update' as const), i: fc.nat(), off: fc.nat(3) }), weight: 2 },
  { arbitrary: fc.record({ src: fc.constant('store' as const), i: fc.nat(), off: fc.nat(3) }), weight: 2 },
  fc.record({ src: fc.constant('random' as const), client: fc.nat(), clock: fc.nat(50) }),
)

export type YjsMutation =
  | { y: 'groupClient'; group: number; to: IdTarget }
  | { y: 'groupClock'; group: number; delta: number }
  | { y: 'origin'; struct: number; to: IdTarget | null }
  | { y: 'rightOrigin'; struct: number; to: IdTarget | null }
  | { y: 'parent'; struct: number; to: IdTarget | string }
  | { y: 'parentSub'; struct: number; key: string | null }
  | { y: 'dropStruct'; struct: number }
  | { y: 'dsAdd'; at: IdTarget; len: number }
  | { y: 'dsEdit'; range: number; clockDelta: number; lenDelta: number }

const yjsMutation: fc.Arbitrary<YjsMutation> = fc.oneof(
  fc.record({ y: fc.constant('groupClient' as const), group: fc.nat(), to: idTarget }),
  fc.record({
    y: fc.constant('groupClock' as const),
    group: fc.nat(),
    delta: fc.integer({ min: -4, max: 6 }),
  }),
  fc.record({ y: fc.constant('origin' as const), struct: fc.nat(), to: fc.option(idTarget, { nil: null }) }),
  fc.record({
    y: fc.constant('rightOrigin' as const),
    struct: fc.nat(),
    to: fc.option(idTarget, { nil: null }),
  }),
  fc.record({
    y: fc.constant('parent' as const),
    struct: fc.nat(),
    to: fc.oneof(idTarget, fc.constantFrom(ROOT_SHAPES, ROOT_VERSIONED, ROOT_META, 'notes', '')),
  }),
  fc.record({
    y: fc.constant('parentSub' as const),
    struct: fc.nat(),
    key: fc.option(fc.constantFrom('x', 's1', 'schemaVersion', 'text', ''), { nil: null }),
  }),
  fc.record({ y: fc.constant('dropStruct' as const), struct: fc.nat() }),
  {
    arbitrary: fc.record({
      y: fc.constant('dsAdd' as const),
      at: dsTarget,
      len: fc.integer({ min: 1, max: 5 }),
    }),
    weight: 3,
  },
  fc.record({
    y: fc.constant('dsEdit' as const),
    range: fc.nat(),
    clockDelta: fc.integer({ min: -3, max: 3 }),
    lenDelta: fc.integer({ min: -2, max: 4 }),
  }),
)

export type ByteMutation =
  | { m: 'flip'; pos: number; bit: number }
  | { m: 'set'; pos: number; byte: number }
  | { m: 'insert'; pos: number; bytes: Uint8Array }
  | { m: 'delete'; pos: number; len: number }
  | { m: 'truncate'; pos: number }
  /** Re-encodes the n-th varint of the frame with a changed value. */
  | { m: 'varint'; index: number; delta: number }
  | { m: 'yjs'; mutation: YjsMutation }

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ m: fc.constant('flip' as const), pos: fc.nat(), bit: fc.nat(7) }),
  fc.record({
    m: fc.constant('set' as const),
    pos: fc.nat(),
    byte: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff).chain((b) => fc.oneof(fc.constant(b), fc.nat(255))),
  }),
  fc.record({
    m: fc.constant('insert' as const),
    pos: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
  }),
  fc.record({ m: fc.constant('delete' as const), pos: fc.nat(), len: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ m: fc.constant('truncate' as const), pos: fc.nat() }),
  {
    arbitrary: fc.record({
      m: fc.constant('varint' as const),
      index: fc.nat(),
      delta: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(128, 2 ** 20, 2 ** 31, -(2 ** 31))),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ m: fc.constant('yjs' as const), mutation: yjsMutation }), weight: 8 },
)

export type FrameSpec =
  | { k: 'bytes'; bytes: Uint8Array }
  /** A valid message type followed by junk. */
  | { k: 'typed'; type: number; sub: number | null; payload: Uint8Array }
  | { k: 'step1'; sv: SvSpec }
  /** A real update from the synced replica, sent as an update or as sync step 2 (diff vs the room). */
  | { k: 'yjs'; ops: ReplicaOp[]; as: 'update' | 'step2' }
  /** A complete update from an independent document (not synced with the room). */
  | { k: 'foreign'; client: number; ops: ReplicaOp[]; as: 'update' | 'step2' }
  /** Resend a frame sent earlier in this run. */
  | { k: 'replay'; back: number }
  /** The replica makes two edits; only the second is sent (then, maybe, the first). */
  | { k: 'gap'; skipped: ReplicaOp[]; ops: ReplicaOp[]; fill: boolean }
  | { k: 'awareness'; entries: { client: number; clock: number; state: unknown }[] }
  | { k: 'query' }
  | { k: 'auth'; payload: Uint8Array }
  | { k: 'easel'; msg: EaselSpec }
  | { k: 'mutate'; base: FrameSpec; muts: ByteMutation[] }
  | { k: 'splice'; a: FrameSpec; b: FrameSpec; cutA: number; cutB: number }
  /** The same frame's bytes repeated in one frame. */
  | { k: 'repeat'; base: FrameSpec; times: number }

const svSpec: fc.Arbitrary<SvSpec> = fc.oneof(
  fc.constantFrom('room' as const, 'replica' as const, 'empty' as const),
  fc.record({
    entries: fc.array(fc.tuple(fc.oneof(fc.nat(10), fc.nat()), fc.oneof(fc.nat(10), fc.nat())), {
      maxLength: 4,
    }),
  }),
)

const opsArb = fc.array(replicaOp, { minLength: 1, maxLength: 4 })

export const randomBytesFrame: fc.Arbitrary<FrameSpec> = fc.oneof(
  fc.record({ k: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 48 }) }),
  fc.record({
    k: fc.constant('typed' as const),
    type: fc.constantFrom(0, 1, 2, 3, 100, 4, 99, 101, 127, 128, 2 ** 32),
    sub: fc.option(fc.constantFrom(0, 1, 2, 3, 200), { nil: null }),
    payload: fc.uint8Array({ maxLength: 48 }),
  }),
)

/** Structurally valid frames that do not depend on the room's history. */
export const junkFrame: fc.Arbitrary<FrameSpec> = fc.oneof(
  { arbitrary: randomBytesFrame, weight: 4 },
  fc.record({ k: fc.constant('step1' as const), sv: svSpec }),
  fc.record({
    k: fc.constant('foreign' as const),
    client: fc.oneof(fc.nat(5), fc.nat()),
    ops: opsArb,
    as: fc.constantFrom('update' as const, 'step2' as const),
  }),
  fc.record({
    k: fc.constant('awareness' as const),
    entries: fc.array(
      fc.record({
        client: fc.oneof(fc.nat(5), fc.nat()),
        clock: fc.oneof(fc.nat(5), fc.nat()),
        state: fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 2 })),
      }),
      { maxLength: 3 },
    ),
  }),
  fc.constant({ k: 'query' as const }),
  fc.record({ k: fc.constant('auth' as const), payload: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({
    k: fc.constant('easel' as const),
    msg: easelSpec.filter((m) => m.e === 'json' || m.e === 'text' || m.e === 'hello'),
  }),
)

/** What honest clients send: real updates in order, step 1s, replays, awareness. */
export const honestFrame: fc.Arbitrary<FrameSpec> = fc.oneof(
  {
    arbitrary: fc.record({
      k: fc.constant('yjs' as const),
      ops: opsArb,
      as: fc.constantFrom('update' as const, 'step2' as const),
    }),
    weight: 6,
  },
  fc.record({
    k: fc.constant('step1' as const),
    sv: fc.constantFrom('room' as const, 'replica' as const, 'empty' as const),
  }),
  fc.record({ k: fc.constant('replay' as const), back: fc.nat(5) }),
  fc.record({
    k: fc.constant('awareness' as const),
    entries: fc.array(
      fc.record({
        client: fc.integer({ min: 1, max: 3 }),
        clock: fc.nat(5),
        state: fc.jsonValue({ maxDepth: 2 }),
      }),
      { minLength: 1, maxLength: 1 },
    ),
  }),
  fc.constant({ k: 'query' as const }),
)

/** Easel protocol traffic, with some honest Yjs edits so there is something to commit to. */
export const easelFrame: fc.Arbitrary<FrameSpec> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('easel' as const), msg: easelSpec }), weight: 8 },
  fc.record({
    k: fc.constant('yjs' as const),
    ops: fc.array(replicaOp, { minLength: 1, maxLength: 2 }),
    as: fc.constant('update' as const),
  }),
  fc.record({ k: fc.constant('step1' as const), sv: fc.constant('room' as const) }),
)

/** Valid frames of every kind, as bases for mutation. */
const mutationBase: fc.Arbitrary<FrameSpec> = fc.oneof(
  {
    arbitrary: fc.record({
      k: fc.constant('yjs' as const),
      ops: opsArb,
      as: fc.constantFrom('update' as const, 'step2' as const),
    }),
    weight: 8,
  },
  fc.record({ k: fc.constant('step1' as const), sv: fc.constantFrom('room' as const, 'replica' as const) }),
  fc.record({
    k: fc.constant('awareness' as const),
    entries: fc.array(
      fc.record({ client: fc.nat(3), clock: fc.nat(3), state: fc.jsonValue({ maxDepth: 1 }) }),
      { minLength: 1, maxLength: 2 },
    ),
  }),
  fc.record({ k: fc.constant('easel' as const), msg: easelSpec }),
)

/** Mutated versions of valid frames: byte-level and Yjs-level edits, splices, repeats. */
export const mutatedFrame: fc.Arbitrary<FrameSpec> = fc.oneof(
  {
    arbitrary: fc.record({
      k: fc.constant('mutate' as const),
      base: mutationBase,
      muts: fc.array(byteMutation, { minLength: 1, maxLength: 3 }),
    }),
    weight: 8,
  },
  fc.record({
    k: fc.constant('splice' as const),
    a: mutationBase,
    b: mutationBase,
    cutA: fc.nat(),
    cutB: fc.nat(),
  }),
  fc.record({ k: fc.constant('repeat' as const), base: mutationBase, times: fc.integer({ min: 2, max: 3 }) }),
  { arbitrary: honestFrame, weight: 2 },
  // Honest traffic around the mutations: commits make the server write (and so reach clocks a
  // mutated delete set may already point at).
  { arbitrary: easelFrame, weight: 2 },
)

/** Real updates whose predecessor was never sent (then maybe sent late), among honest frames. */
export const gapFrame: fc.Arbitrary<FrameSpec> = fc.oneof(
  fc.record({ k: fc.constant('gap' as const), skipped: opsArb, ops: opsArb, fill: fc.boolean() }),
  honestFrame,
)

export const anyFrame: fc.Arbitrary<FrameSpec> = fc.oneof(junkFrame, honestFrame, mutatedFrame, easelFrame)

// ---------------------------------------------------------------------------------------------
// Materialising specs into bytes
// ---------------------------------------------------------------------------------------------

/**
 * One frame to send, with a label for the log. `honest`: what an honest, synced client sends (a
 * real update that touches no protected state, a step 1): the server must accept it.
 */
export type Wire = { label: string; bytes: Uint8Array; honest?: boolean }

/**
 * Whether a spec leaves the replica with edits the room was never sent (a skipped predecessor, a
 * mutated copy): the harness then replaces the replica with a fresh one synced from the room.
 */
export const desyncsReplica = (spec: FrameSpec): boolean =>
  spec.k === 'gap' || spec.k === 'mutate' || spec.k === 'splice' || spec.k === 'repeat'

const REFUSED_OPS = new Set<ReplicaOp['o']>(['deleteShape', 'transientShape', 'writeProtected'])

export function materialize(ctx: FuzzContext, spec: FrameSpec): Wire[] {
  switch (spec.k) {
    case 'bytes':
      return [{ label: 'random bytes', bytes: spec.bytes }]
    case 'typed':
      return [
        {
          label: `type ${spec.type}${spec.sub === null ? '' : `/${spec.sub}`} + junk`,
          bytes: frame((e) => {
            encoding.writeVarUint(e, spec.type)
            if (spec.sub !== null) encoding.writeVarUint(e, spec.sub)
            encoding.writeUint8Array(e, spec.payload)
          }),
        },
      ]
    case 'step1': {
      const sv =
        spec.sv === 'room'
          ? Y.encodeStateVector(ctx.roomDoc())
          : spec.sv === 'replica'
            ? Y.encodeStateVector(syncReplica(ctx))
            : spec.sv === 'empty'
              ? encodeStateVector([])
              : encodeStateVector(spec.sv.entries)
      return [
        {
          label: `sync step 1 (${typeof spec.sv === 'string' ? spec.sv : 'random'} state vector)`,
          bytes: syncStep1Frame(sv),
          honest: typeof spec.sv === 'string',
        },
      ]
    }
    case 'yjs': {
      const replica = syncReplica(ctx)
      const update = replicaUpdate(replica, spec.ops, ctx.seq)
      const honest = spec.ops.every((op) => !REFUSED_OPS.has(op.o))
      if (spec.as === 'update')
        return [{ label: `update [${opNames(spec.ops)}]`, bytes: updateFrame(update), honest }]
      const diff = Y.encodeStateAsUpdate(replica, Y.encodeStateVector(ctx.roomDoc()))
      return [{ label: `sync step 2 after [${opNames(spec.ops)}]`, bytes: syncStep2Frame(diff), honest }]
    }
    case 'foreign': {
      const doc = new Y.Doc()
      doc.clientID = spec.client
      applyReplicaOps(doc, spec.ops, ctx.seq)
      const full = Y.encodeStateAsUpdate(doc)
      return [
        {
          label: `foreign doc ${spec.client} [${opNames(spec.ops)}] as ${spec.as}`,
          bytes: spec.as === 'update' ? updateFrame(full) : syncStep2Frame(full),
        },
      ]
    }
    case 'replay': {
      if (ctx.sent.length === 0)
        return [{ label: 'query awareness (nothing to replay)', bytes: queryAwarenessFrame() }]
      const bytes = ctx.sent[Math.max(0, ctx.sent.length - 1 - (spec.back % ctx.sent.length))]!
      return [{ label: 'replay of an earlier frame', bytes }]
    }
    case 'gap': {
      const replica = syncReplica(ctx)
      const first = replicaUpdate(replica, spec.skipped, ctx.seq)
      const second = replicaUpdate(replica, spec.ops, ctx.seq)
      const out: Wire[] = [
        {
          label: `update [${opNames(spec.ops)}] without its predecessor [${opNames(spec.skipped)}]`,
          bytes: updateFrame(second),
        },
      ]
      if (spec.fill) out.push({ label: 'the skipped predecessor, late', bytes: updateFrame(first) })
      return out
    }
    case 'awareness':
      return [{ label: 'awareness update', bytes: awarenessFrame(encodeAwareness(spec.entries)) }]
    case 'query':
      return [{ label: 'query awareness', bytes: queryAwarenessFrame() }]
    case 'auth':
      return [
        {
          label: 'auth',
          bytes: frame((e) => {
            encoding.writeVarUint(e, MessageType.Auth)
            encoding.writeUint8Array(e, spec.payload)
          }),
        },
      ]
    case 'easel': {
      const text = easelMessage(ctx, spec.msg)
      return [
        {
          label: `easel ${text.length > 300 ? `${text.slice(0, 300)}...` : text}`,
          bytes: easelTextFrame(text),
        },
      ]
    }
    case 'mutate': {
      const base = materialize(ctx, spec.base)
      const last = base[base.length - 1]!
      let bytes = last.bytes
      const applied: string[] = []
      for (const m of spec.muts) {
        const r = mutateBytes(ctx, bytes, m)
        bytes = r.bytes
        applied.push(r.what)
      }
      return [
        ...base.slice(0, -1),
        { label: `${last.label} mutated by ${applied.join(', ')}`, bytes, honest: false },
      ]
    }
    case 'splice': {
      const a = materialize(ctx, spec.a).at(-1)!
      const b = materialize(ctx, spec.b).at(-1)!
      const ca = spec.cutA % (a.bytes.length + 1)
      const cb = spec.cutB % (b.bytes.length + 1)
      const bytes = concat(a.bytes.subarray(0, ca), b.bytes.subarray(cb))
      return [{ label: `splice of (${a.label})[0:${ca}] and (${b.label})[${cb}:]`, bytes }]
    }
    case 'repeat': {
      const base = materialize(ctx, spec.base).at(-1)!
      return [
        {
          label: `${base.label} x${spec.times} in one frame`,
          bytes: concat(...Array(spec.times).fill(base.bytes)),
        },
      ]
    }
  }
}

const opNames = (ops: readonly ReplicaOp[]) => ops.map((o) => o.o).join(', ')

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Splits bytes into consecutive varint-shaped chunks (each ends at the first byte < 0x80). */
function varintChunks(bytes: Uint8Array): [number, number][] {
  const chunks: [number, number][] = []
  let start = 0
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! < 0x80 || i - start >= 7) {
      chunks.push([start, i + 1])
      start = i + 1
    }
  }
  return chunks
}

function mutateBytes(
  ctx: FuzzContext,
  bytes: Uint8Array,
  m: ByteMutation,
): { bytes: Uint8Array; what: string } {
  const n = bytes.length
  switch (m.m) {
    case 'flip': {
      if (n === 0) return { bytes, what: 'flip (empty)' }
      const pos = m.pos % n
      const out = bytes.slice()
      out[pos]! ^= 1 << m.bit
      return { bytes: out, what: `flip bit ${m.bit} of byte ${pos}` }
    }
    case 'set': {
      if (n === 0) return { bytes, what: 'set (empty)' }
      const pos = m.pos % n
      const out = bytes.slice()
      out[pos] = m.byte
      return { bytes: out, what: `byte ${pos} := ${m.byte.toString(16)}` }
    }
    case 'insert': {
      const pos = m.pos % (n + 1)
      return {
        bytes: concat(bytes.subarray(0, pos), m.bytes, bytes.subarray(pos)),
        what: `insert ${hex(m.bytes)} at ${pos}`,
      }
    }
    case 'delete': {
      if (n === 0) return { bytes, what: 'delete (empty)' }
      const pos = m.pos % n
      return {
        bytes: concat(bytes.subarray(0, pos), bytes.subarray(pos + m.len)),
        what: `delete ${m.len} at ${pos}`,
      }
    }
    case 'truncate': {
      const pos = m.pos % (n + 1)
      return { bytes: bytes.subarray(0, pos), what: `truncate to ${pos}` }
    }
    case 'varint': {
      const chunks = varintChunks(bytes)
      if (chunks.length === 0) return { bytes, what: 'varint (none)' }
      const [s, e] = chunks[m.index % chunks.length]!
      let value = 0
      try {
        value = decoding.readVarUint(decoding.createDecoder(bytes.subarray(s, e)))
      } catch {
        return { bytes, what: 'varint (undecodable)' }
      }
      const next = Math.max(0, Math.min(2 ** 53 - 1, value + m.delta))
      const enc = frame((x) => encoding.writeVarUint(x, next))
      return {
        bytes: concat(bytes.subarray(0, s), enc, bytes.subarray(e)),
        what: `varint at ${s}: ${value} -> ${next}`,
      }
    }
    case 'yjs': {
      const parts = splitUpdateFrame(bytes)
      if (!parts) return { bytes, what: `yjs ${m.mutation.y} (not an update frame)` }
      let decoded: Decoded
      try {
        decoded = Y.decodeUpdate(parts.update)
      } catch {
        return { bytes, what: `yjs ${m.mutation.y} (undecodable)` }
      }
      const what = mutateDecoded(ctx, decoded, m.mutation)
      let update: Uint8Array
      try {
        update = encodeDecodedUpdate(decoded)
      } catch (err) {
        return { bytes, what: `yjs ${what} (re-encode failed: ${(err as Error).message})` }
      }
      return { bytes: parts.step === 1 ? syncStep2Frame(update) : updateFrame(update), what: `yjs ${what}` }
    }
  }
}

function resolveId(ctx: FuzzContext, decoded: Decoded, t: IdTarget): Y.ID {
  const store = ctx.roomDoc().store.clients as Map<number, (Y.Item | Y.GC)[]>
  switch (t.src) {
    case 'store': {
      const all = [...store.values()].flat()
      const s = pick(all, t.i)
      return s ? Y.createID(s.id.client, s.id.clock + (t.off % s.length)) : Y.createID(1, 0)
    }
    case 'update': {
      const s = pick(decoded.structs, t.i)
      return s ? Y.createID(s.id.client, s.id.clock + (t.off % Math.max(1, s.length))) : Y.createID(1, 0)
    }
    case 'future': {
      const clients = [...store.keys()]
      const c = pick(clients, t.i) ?? 1
      return Y.createID(c, Y.getState(ctx.roomDoc().store, c) + t.ahead)
    }
    case 'server':
      return Y.createID(ctx.roomDoc().clientID, Y.getState(ctx.roomDoc().store, ctx.roomDoc().clientID))
    case 'random':
      return Y.createID(t.client, t.clock)
  }
}
const showId = (id: Y.ID | null) => (id ? `${id.client}:${id.clock}` : 'null')

function mutateDecoded(ctx: FuzzContext, decoded: Decoded, mut: YjsMutation): string {
  const items = decoded.structs.filter((s) => s instanceof Y.Item) as unknown as WritableItem[]
  switch (mut.y) {
    case 'groupClient':
    case 'groupClock': {
      const clients = [...new Set(decoded.structs.map((s) => s.id.client))]
      const c = pick(clients, mut.group)
      if (c === undefined) return `${mut.y} (no structs)`
      const group = decoded.structs.filter((s) => s.id.client === c)
      if (mut.y === 'groupClient') {
        const to = resolveId(ctx, decoded, mut.to).client
        for (const s of group) (s.id as { client: number }).client = to
        return `client ${c} -> ${to}`
      }
      const first = group[0]!
      const before = first.id.clock
      const clock = Math.max(0, before + mut.delta)
      ;(first.id as { clock: number }).clock = clock
      return `first clock of client ${c} ${before} -> ${clock}`
    }
    case 'origin':
    case 'rightOrigin': {
      const it = pick(items, mut.struct)
      if (!it) return `${mut.y} (no items)`
      const to = mut.to === null ? null : resolveId(ctx, decoded, mut.to)
      if (to === null && (mut.y === 'origin' ? it.rightOrigin : it.origin) === null && it.parent === null) {
        it.parent = ROOT_SHAPES
      }
      if (mut.y === 'origin') it.origin = to
      else it.rightOrigin = to
      return `${mut.y} of ${showId(it.id)} -> ${showId(to)}`
    }
    case 'parent': {
      const it = pick(items, mut.struct)
      if (!it) return 'parent (no items)'
      it.origin = null
      it.rightOrigin = null
      it.parent = typeof mut.to === 'string' ? mut.to : resolveId(ctx, decoded, mut.to)
      return `parent of ${showId(it.id)} -> ${typeof it.parent === 'string' ? JSON.stringify(it.parent) : showId(it.parent)}`
    }
    case 'parentSub': {
      const it = pick(items, mut.struct)
      if (!it) return 'parentSub (no items)'
      if (it.origin === null && it.rightOrigin === null && it.parent === null) it.parent = ROOT_SHAPES
      it.parentSub = mut.key
      return `parentSub of ${showId(it.id)} -> ${JSON.stringify(mut.key)}`
    }
    case 'dropStruct': {
      if (decoded.structs.length === 0) return 'dropStruct (none)'
      const i = mut.struct % decoded.structs.length
      const [s] = decoded.structs.splice(i, 1)
      return `drop struct ${showId(s!.id)}`
    }
    case 'dsAdd': {
      const at = resolveId(ctx, decoded, mut.at)
      const ranges = decoded.ds.clients.get(at.client) ?? []
      ranges.push({ clock: at.clock, len: mut.len } as (typeof ranges)[number])
      ranges.sort((a, b) => a.clock - b.clock)
      decoded.ds.clients.set(at.client, ranges)
      return `delete ${at.client}:${at.clock}+${mut.len}`
    }
    case 'dsEdit': {
      const all = [...decoded.ds.clients.values()].flat()
      const r = pick(all, mut.range)
      if (!r) return 'dsEdit (no ranges)'
      const before = `${r.clock}+${r.len}`
      ;(r as { clock: number }).clock = Math.max(0, r.clock + mut.clockDelta)
      ;(r as { len: number }).len = Math.max(1, r.len + mut.lenDelta)
      return `delete range ${before} -> ${r.clock}+${r.len}`
    }
  }
}
