/**
 * The server's own update reader against Yjs's: on generated documents (every content kind, nested
 * and XML types, subdocuments, deletes, garbage-collected runs, merged updates with skips) and on
 * the same bytes corrupted, `readUpdateStructs` must accept exactly what `Y.decodeUpdate` accepts
 * and yield the same structs and delete set.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Ref, readUpdateStructs, TypeRef } from '../src/updateStructs.js'

type Decoded = ReturnType<typeof Y.decodeUpdate>

const CONTENT_REFS = new Map<unknown, number>([
  [Y.ContentDeleted, Ref.Deleted],
  [Y.ContentJSON, Ref.JSON],
  [Y.ContentBinary, Ref.Binary],
  [Y.ContentString, Ref.String],
  [Y.ContentEmbed, Ref.Embed],
  [Y.ContentFormat, Ref.Format],
  [Y.ContentType, Ref.Type],
  [Y.ContentAny, Ref.Any],
  [Y.ContentDoc, Ref.Doc],
])
const TYPE_REFS = new Map<unknown, number>([
  [Y.Array, TypeRef.Array],
  [Y.Map, TypeRef.Map],
  [Y.Text, TypeRef.Text],
  [Y.XmlElement, TypeRef.XmlElement],
  [Y.XmlFragment, TypeRef.XmlFragment],
  [Y.XmlHook, TypeRef.XmlHook],
  [Y.XmlText, TypeRef.XmlText],
])

/** Both readers' view of an update, in the same plain shape; `null` where the reader threw. */
function viaYjs(update: Uint8Array): unknown {
  let decoded: Decoded
  try {
    decoded = Y.decodeUpdate(update)
  } catch {
    return null
  }
  const structs = decoded.structs.map((s) => {
    const base = { client: s.id.client, clock: s.id.clock, length: s.length }
    if (s instanceof Y.GC) return { ...base, ref: Ref.GC }
    if (!(s instanceof Y.Item)) return { ...base, ref: Ref.Skip }
    const ref = CONTENT_REFS.get(s.content.constructor)
    const parent = s.parent as string | Y.ID | null
    return {
      ...base,
      ref,
      typeRef: s.content instanceof Y.ContentType ? TYPE_REFS.get(s.content.type.constructor) : -1,
      origin: s.origin ? [s.origin.client, s.origin.clock] : null,
      right: s.rightOrigin ? [s.rightOrigin.client, s.rightOrigin.clock] : null,
      parentKey: typeof parent === 'string' ? parent : null,
      parentId: parent !== null && typeof parent === 'object' ? [parent.client, parent.clock] : null,
      parentSub: s.parentSub,
      values: s.content instanceof Y.ContentAny ? s.content.arr : [],
    }
  })
  const ds = [...decoded.ds.clients].map(([client, ranges]) => [
    client,
    ranges.map((r) => ({ clock: r.clock, len: r.len })),
  ])
  return { structs, ds }
}

function viaReader(update: Uint8Array): unknown {
  let read: ReturnType<typeof readUpdateStructs>
  try {
    read = readUpdateStructs(update)
  } catch {
    return null
  }
  const structs = []
  for (let i = 0; i < read.count; i++) {
    const base = { client: read.client(i), clock: read.clock(i), length: read.length(i) }
    if (!read.isItem(i)) {
      structs.push({ ...base, ref: read.ref(i) })
      continue
    }
    structs.push({
      ...base,
      ref: read.ref(i),
      typeRef: read.typeRef(i),
      origin: read.hasOrigin(i) ? [read.originClient(i), read.originClock(i)] : null,
      right: read.hasRightOrigin(i) ? [read.rightClient(i), read.rightClock(i)] : null,
      parentKey: read.parentKey(i),
      parentId: read.parentClient(i) >= 0 ? [read.parentClient(i), read.parentClock(i)] : null,
      parentSub: read.parentSub(i),
      values: read.values(i),
    })
  }
  // The blocks cover every struct, in order, one client each.
  let next = 0
  for (const block of read.blocks) {
    expect(block.start).toBe(next)
    for (let i = block.start; i < block.end; i++) expect(read.client(i)).toBe(block.client)
    next = block.end
  }
  expect(next).toBe(read.count)
  return { structs, ds: [...read.ds] }
}

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer(),
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    fc.double(),
    fc.float(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ maxLength: 6 }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.uint8Array({ maxLength: 6 }),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value
/** What Y.Map.set and Y.Array.insert take directly (a bigint or undefined only inside a value). */
const topValue = value.map((v) => (typeof v === 'bigint' || v === undefined ? [v] : v))

type Op =
  | { o: 'set'; doc: number; root: number; key: string; v: unknown }
  | { o: 'nest'; doc: number; root: number; key: string; kind: number }
  | { o: 'remove'; doc: number; root: number; key: string }
  | { o: 'insert'; doc: number; pos: number; vs: unknown[] }
  | { o: 'cut'; doc: number; pos: number; len: number }
  | { o: 'text'; doc: number; pos: number; s: string; bold: boolean }
  | { o: 'untext'; doc: number; pos: number; len: number }
  | { o: 'embed'; doc: number; pos: number }
  | { o: 'xml'; doc: number; pos: number; kind: number; s: string }
  | { o: 'subdoc'; doc: number; key: string; opts: number }
  | { o: 'clearNested'; doc: number; root: number; key: string }
  | { o: 'sync'; from: number; to: number }

const doc = fc.nat(2)
const root = fc.nat(1)
const key = fc.constantFrom('a', 'b', 'c', 'ü', '')
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ o: fc.constant('set' as const), doc, root, key, v: topValue }),
  fc.record({ o: fc.constant('nest' as const), doc, root, key, kind: fc.nat(4) }),
  fc.record({ o: fc.constant('remove' as const), doc, root, key }),
  fc.record({
    o: fc.constant('insert' as const),
    doc,
    pos: fc.nat(8),
    vs: fc.array(topValue, { maxLength: 4 }),
  }),
  fc.record({ o: fc.constant('cut' as const), doc, pos: fc.nat(8), len: fc.nat(4) }),
  fc.record({
    o: fc.constant('text' as const),
    doc,
    pos: fc.nat(30),
    s: fc.string({ unit: 'grapheme', maxLength: 8 }),
    bold: fc.boolean(),
  }),
  fc.record({ o: fc.constant('untext' as const), doc, pos: fc.nat(30), len: fc.nat(6) }),
  fc.record({ o: fc.constant('embed' as const), doc, pos: fc.nat(30) }),
  fc.record({
    o: fc.constant('xml' as const),
    doc,
    pos: fc.nat(4),
    kind: fc.nat(2),
    s: fc.string({ maxLength: 5 }),
  }),
  fc.record({ o: fc.constant('subdoc' as const), doc, key, opts: fc.nat(2) }),
  fc.record({ o: fc.constant('clearNested' as const), doc, root, key }),
  fc.record({ o: fc.constant('sync' as const), from: doc, to: doc }),
)

function apply(docs: Y.Doc[], op: Op): void {
  if (op.o === 'sync') {
    const from = docs[op.from]!
    const to = docs[op.to]!
    Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)))
    return
  }
  const d = docs[op.doc]!
  const map = d.getMap(
    op.o === 'set' || op.o === 'nest' || op.o === 'remove' || op.o === 'clearNested' ? `m${op.root}` : 'm0',
  )
  const list = d.getArray<unknown>('list')
  const text = d.getText('text')
  switch (op.o) {
    case 'set':
      map.set(op.key, op.v)
      return
    case 'nest': {
      const nested = [new Y.Map(), new Y.Array(), new Y.Text('hi'), new Y.XmlText('x'), new Y.XmlFragment()][
        op.kind
      ]!
      map.set(op.key, nested)
      if (nested instanceof Y.Map) nested.set('k', 1)
      if (nested instanceof Y.Array) nested.push([1, 'two', new Y.Map()])
      return
    }
    case 'remove':
      map.delete(op.key)
      return
    case 'clearNested': {
      // Deleting a type whose content then turns into GC structs.
      const nested = map.get(op.key)
      if (nested instanceof Y.Map) for (const k of [...nested.keys()]) nested.delete(k)
      map.delete(op.key)
      return
    }
    case 'insert':
      list.insert(Math.min(op.pos, list.length), op.vs)
      return
    case 'cut': {
      const pos = Math.min(op.pos, list.length)
      list.delete(pos, Math.min(op.len, list.length - pos))
      return
    }
    case 'text':
      text.insert(Math.min(op.pos, text.length), op.s, op.bold ? { bold: true } : undefined)
      return
    case 'untext': {
      const pos = Math.min(op.pos, text.length)
      text.delete(pos, Math.min(op.len, text.length - pos))
      return
    }
    case 'embed':
      text.insertEmbed(Math.min(op.pos, text.length), { image: 'x.png' })
      return
    case 'xml': {
      const frag = d.getXmlFragment('xml')
      // Yjs's types leave the hook out of what a fragment holds; it inserts one all the same.
      const node = [new Y.XmlElement('p'), new Y.XmlText(op.s), new Y.XmlHook('hook')][op.kind]!
      frag.insert(Math.min(op.pos, frag.length), [node as Y.XmlElement])
      if (node instanceof Y.XmlElement) node.setAttribute('class', op.s)
      return
    }
    case 'subdoc':
      map.set(op.key, new Y.Doc(op.opts === 0 ? {} : op.opts === 1 ? { autoLoad: true } : { meta: { n: 1 } }))
      return
  }
}

/** The updates a run of edits yields: each client's whole state, a diff, a merge (with skips), a stored-JSON item. */
function updatesOf(ops: Op[], gc: boolean): Uint8Array[] {
  const docs = [1, 2, 3].map((client) => {
    const d = new Y.Doc({ gc })
    d.clientID = client
    return d
  })
  const captured: Uint8Array[] = []
  docs[0]!.on('update', (u: Uint8Array) => captured.push(u))
  const half = Math.floor(ops.length / 2)
  for (const o of ops.slice(0, half)) apply(docs, o)
  const sv = Y.encodeStateVector(docs[0]!)
  for (const o of ops.slice(half)) apply(docs, o)
  const out = docs.map((d) => Y.encodeStateAsUpdate(d))
  out.push(Y.encodeStateAsUpdate(docs[0]!, sv))
  if (captured.length > 0) out.push(Y.mergeUpdates(captured.filter((_, i) => i % 2 === 0)))
  out.push(Y.mergeUpdates([out[0]!, out[1]!]))
  return out
}

describe('readUpdateStructs against Y.decodeUpdate', () => {
  it('reads generated updates exactly as Yjs does', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), fc.boolean(), (ops, gc) => {
        for (const update of updatesOf(ops, gc)) {
          const expected = viaYjs(update)
          expect(expected).not.toBeNull()
          expect(viaReader(update)).toEqual(expected)
        }
      }),
      { numRuns: 300, seed: 0x5eed },
    )
  })

  it('reads thousands of short keys, repeated and near-alike, exactly as Yjs does', () => {
    // The reader keeps short strings in a cache of 1 024 slots by a hash of their bytes: more keys
    // than slots, keys one character apart, ASCII beside non-ASCII, and each key used again.
    const doc = new Y.Doc()
    const keys: string[] = []
    for (let i = 0; i < 3000; i++) keys.push(`k${i}`, `k${i}x`, `K${i}`)
    keys.push('', 'é', 'ké1', 'a'.repeat(32), 'a'.repeat(33), `${'a'.repeat(31)}b`)
    doc.transact(() => {
      for (const [i, key] of keys.entries()) {
        const map = new Y.Map<unknown>()
        doc.getMap('shapes').set(key, map)
        map.set(key, key)
        map.set(keys[(i * 7) % keys.length]!, { [key]: [key, i] })
      }
    })
    const update = Y.encodeStateAsUpdate(doc)
    const expected = viaYjs(update)
    expect(expected).not.toBeNull()
    expect(viaReader(update)).toEqual(expected)
  })

  it('has every kind of struct in its generated updates', () => {
    const refs = new Set<number>()
    const types = new Set<number>()
    fc.assert(
      fc.property(fc.array(op, { minLength: 10, maxLength: 30 }), fc.boolean(), (ops, gc) => {
        for (const update of updatesOf(ops, gc)) {
          const read = readUpdateStructs(update)
          for (let i = 0; i < read.count; i++) {
            refs.add(read.ref(i))
            types.add(read.typeRef(i))
          }
        }
      }),
      { numRuns: 200, seed: 0x5eed },
    )
    // JSON content is only written by old clients: the corrupted-bytes test covers its reading.
    expect([...refs].sort((a, b) => a - b)).toEqual(
      Object.values(Ref)
        .filter((r) => r !== Ref.JSON)
        .sort((a, b) => a - b),
    )
    expect([...types].sort((a, b) => a - b)).toEqual([-1, ...Object.values(TypeRef)].sort((a, b) => a - b))
  })

  it('accepts and rejects corrupted bytes exactly as Yjs does', () => {
    const mutation = fc.oneof(
      fc.record({ at: fc.nat(), byte: fc.nat(255), m: fc.constant('set' as const) }),
      fc.record({ at: fc.nat(), byte: fc.nat(255), m: fc.constant('insert' as const) }),
      fc.record({ at: fc.nat(), byte: fc.constant(0), m: fc.constant('cut' as const) }),
    )
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 12 }),
        fc.nat(5),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (ops, which, mutations) => {
          const updates = updatesOf(ops, true)
          let bytes = [...updates[which % updates.length]!]
          for (const { at, byte, m } of mutations) {
            const i = at % (bytes.length + 1)
            if (m === 'set' && i < bytes.length) bytes[i] = byte
            else if (m === 'insert') bytes.splice(i, 0, byte)
            else bytes = bytes.slice(0, i)
          }
          const update = Uint8Array.from(bytes)
          expect(viaReader(update)).toEqual(viaYjs(update))
        },
      ),
      { numRuns: 3000, seed: 0xbad },
    )
  })

  it('reads JSON content (old clients) and rejects what Yjs rejects in it', () => {
    // info 2 = ContentJSON under a root key: 1 client, 1 struct, client 7 at clock 0.
    const json = (parts: string[]) => {
      const enc: number[] = [1, 1, 7, 0, 2, 1, 1, 'k'.charCodeAt(0), parts.length]
      for (const p of parts) {
        const b = new TextEncoder().encode(p)
        enc.push(b.length, ...b)
      }
      enc.push(0)
      return Uint8Array.from(enc)
    }
    for (const parts of [['1', '"x"', 'undefined', '{"a":[1]}'], ['{bad'], []]) {
      const update = json(parts)
      expect(viaReader(update)).toEqual(viaYjs(update))
    }
    expect(viaReader(json(['{bad']))).toBeNull()
  })

  it('reads every struct info byte and type ref exactly as Yjs does', () => {
    // One client (7) at clock 0 with one struct: its info byte, then one of these tails.
    const tails = [
      [1, 1, 107, 7, 1, 65, 0],
      [1, 1, 107, 1, 107, 3, 125, 1, 119, 1, 65, 118, 0, 0],
      [7, 3, 1, 0, 2, 1, 107, 2, 2, 49, 50, 1, 51, 0],
      [0, 5, 0],
      [1, 1, 107, 4, 0, 0],
      [],
    ]
    for (let info = 0; info < 256; info++) {
      for (const tail of tails) {
        const update = Uint8Array.from([1, 1, 7, 0, info, ...tail])
        expect(viaReader(update), `info ${info}, tail ${tail}`).toEqual(viaYjs(update))
      }
    }
    // ContentType (ref 7) under root key 'k', type refs 0..9, with a node name for XML elements and hooks.
    for (let typeRef = 0; typeRef < 10; typeRef++) {
      const update = Uint8Array.from([1, 1, 7, 0, 7, 1, 1, 107, typeRef, 1, 112, 0])
      expect(viaReader(update), `type ref ${typeRef}`).toEqual(viaYjs(update))
    }
  })

  it('reads random bytes exactly as Yjs does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (update) => {
        expect(viaReader(update)).toEqual(viaYjs(update))
      }),
      { numRuns: 3000, seed: 7 },
    )
  })
})
