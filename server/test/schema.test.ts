/**
 * Server-side schema validation: a client's update that makes a shape something
 * shared/src/schema.ts rejects, or writes outside the document's layout, is refused whole with
 * 4415 (nothing stored, nothing broadcast); every honest write is accepted.
 */
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  CloseCode,
  type CrdtProps,
  crdtProps,
  insertShape,
  MessageType,
  SHAPE_KINDS,
  type ShapeKind,
  shapesMap,
} from '@easel/shared'
import { ProtocolClient, RECT } from '@easel/testkit/protocolClient.ts'
import { tempDir } from '@easel/testkit/serverProcess.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { PROTECTION } from '../src/ClientFrames.ts'
import type { EaselServer } from '../src/index.ts'
import { inspectUpdate } from '../src/protectedState.ts'
import { startServer, wsUrl } from './helpers.ts'
import { encodeItems } from './yjsForge.ts'

/** The server's document: one valid shape `s1` (with an optional `fontSize`). */
function serverDoc(): Y.Doc {
  const doc = new Y.Doc()
  insertShape(doc, 's1', { ...RECT, kind: 'text', fontSize: 16 })
  return doc
}

/** Whether two documents have the same structs (by their state vectors). */
const sameVector = (a: Y.Doc, b: Y.Doc) =>
  Buffer.from(Y.encodeStateVector(a)).equals(Buffer.from(Y.encodeStateVector(b)))

/** The shape `s1`'s map in `doc`. */
const s1 = (doc: Y.Doc) => shapesMap(doc).get('s1')!
/** The id of the item holding `s1`'s map (the parent a forged property names). */
const s1Item = (doc: Y.Doc) => s1(doc)._item!.id

/** What a client with a copy of `server` sends after `change`: the diff against the server. */
function clientUpdate(server: Y.Doc, change: (client: Y.Doc) => void): Uint8Array {
  const client = new Y.Doc()
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server))
  change(client)
  return Y.encodeStateAsUpdate(client, Y.encodeStateVector(server))
}

/** The item holding the live value of `s1`'s `key` (what a new value names as its origin). */
const liveOf = (doc: Y.Doc, key: string) => s1(doc)._map.get(key)!
const lastIdOf = (item: Y.Item) => Y.createID(item.id.client, item.id.clock + item.length - 1)
/** A client id above any other: Yjs's conflict resolution places its item right of theirs. */
const HIGHEST_CLIENT = 2 ** 32 - 1

/** A copy of `server` as a client with id `clientID` sees it. */
function replica(server: Y.Doc, clientID: number): Y.Doc {
  const c = new Y.Doc()
  c.clientID = clientID
  Y.applyUpdate(c, Y.encodeStateAsUpdate(server))
  return c
}
const diffFrom = (client: Y.Doc, server: Y.Doc) => Y.encodeStateAsUpdate(client, Y.encodeStateVector(server))

/** One hand-made item inside shape `s1` (content Yjs puts only in text types). */
const forgedInS1 = (server: Y.Doc, content: ConstructorParameters<typeof Y.Item>[7]) =>
  encodeItems([{ client: 9001, clock: 0, parent: s1Item(server), parentSub: 'z', content }])

type Rule = {
  name: string
  /** A required property the update would leave `s1` without, if it were integrated. */
  removes?: string
  /** Written by the server before the client's update (state no client could have written). */
  setup?: (server: Y.Doc) => void
  update: (server: Y.Doc) => Uint8Array
}

const shapeOf = (props: Record<string, unknown>) => {
  const m = new Y.Map<unknown>()
  for (const [k, v] of Object.entries(props)) m.set(k, v)
  return m
}

/** Every rule of the schema, each broken by one update. */
const RULES: Rule[] = [
  {
    name: 'a shapes entry that is not a map',
    update: (s) => clientUpdate(s, (c) => c.getMap<unknown>('shapes').set('s2', 5)),
  },
  {
    name: 'a shapes entry that is a Y.Text',
    update: (s) => clientUpdate(s, (c) => c.getMap<unknown>('shapes').set('s2', new Y.Text('x'))),
  },
  {
    name: 'a shape under an invalid id',
    update: (s) => clientUpdate(s, (c) => c.getMap<unknown>('shapes').set('bad id!', shapeOf({ ...RECT }))),
  },
  {
    name: 'an unknown property',
    update: (s) => clientUpdate(s, (c) => s1(c).set('evil', 1)),
  },
  {
    name: 'a createdBy over 64 characters',
    update: (s) => clientUpdate(s, (c) => s1(c).set('createdBy', 'x'.repeat(65))),
  },
  {
    name: 'a kind that is not a shape kind',
    update: (s) => clientUpdate(s, (c) => s1(c).set('kind', 'hexagon')),
  },
  {
    name: 'a coordinate that is not a number',
    update: (s) => clientUpdate(s, (c) => s1(c).set('x', 'left')),
  },
  {
    name: 'a nested map as a property',
    update: (s) => clientUpdate(s, (c) => s1(c).set('points', new Y.Map())),
  },
  {
    name: 'a nested array as a property',
    update: (s) => clientUpdate(s, (c) => s1(c).set('points', Y.Array.from([1, 2]))),
  },
  {
    name: 'binary as a property',
    update: (s) => clientUpdate(s, (c) => s1(c).set('x', new Uint8Array([1, 2]))),
  },
  { name: 'a string item in a shape', update: (s) => forgedInS1(s, new Y.ContentString('abc')) },
  { name: 'an embed in a shape', update: (s) => forgedInS1(s, new Y.ContentEmbed({ a: 1 })) },
  { name: 'a format in a shape', update: (s) => forgedInS1(s, new Y.ContentFormat('bold', true)) },
  {
    name: 'a write deeper than a shape property',
    setup: (s) => s1(s).set('z', new Y.Map()),
    update: (s) => clientUpdate(s, (c) => (s1(c).get('z') as Y.Map<unknown>).set('k', 1)),
  },
  {
    name: 'a new shape without every required property',
    update: (s) => clientUpdate(s, (c) => shapesMap(c).set('s2', shapeOf({ kind: 'rect', x: 1 }))),
  },
  {
    name: 'a new empty shape',
    update: (s) => clientUpdate(s, (c) => shapesMap(c).set('s2', new Y.Map())),
  },
  {
    name: 'deleting a required property',
    update: (s) => clientUpdate(s, (c) => s1(c).delete('x')),
  },
  {
    // Its item becomes rightmost and so deletes the live value; deleted content itself is not checked.
    name: 'A: deleted content for kind placed right of the live value',
    removes: 'kind',
    update: (s) =>
      encodeItems([
        {
          client: 9101,
          clock: 0,
          origin: lastIdOf(liveOf(s, 'kind')),
          parent: null,
          content: new Y.ContentDeleted(1),
        },
      ]),
  },
  {
    name: 'B: a valid kind placed left of the live value (deleted on arrival), the live value deleted',
    removes: 'kind',
    update: (s) => {
      const live = liveOf(s, 'kind')
      return encodeItems(
        [{ client: 9102, clock: 0, rightOrigin: live.id, parent: null, content: new Y.ContentAny(['rect']) }],
        [{ client: live.id.client, clock: live.id.clock, len: 1 }],
      )
    },
  },
  {
    name: 'C: a valid kind that the same update deletes',
    removes: 'kind',
    update: (s) =>
      encodeItems(
        [
          {
            client: 9103,
            clock: 0,
            origin: lastIdOf(liveOf(s, 'kind')),
            parent: null,
            content: new Y.ContentAny(['rect']),
          },
        ],
        [{ client: 9103, clock: 0, len: 1 }],
      ),
  },
  {
    // A concurrent edit's origin (an overwritten value) under a client id that wins the conflict.
    name: 'deleted content for kind whose older origin Yjs places right of the live value',
    removes: 'kind',
    setup: (s) => s1(s).set('kind', 'ellipse'),
    update: (s) =>
      encodeItems([
        {
          client: HIGHEST_CLIENT,
          clock: 0,
          origin: liveOf(s, 'kind').origin,
          parent: null,
          content: new Y.ContentDeleted(1),
        },
      ]),
  },
  {
    name: 'a new shape whose kind the same update overwrites with deleted content',
    update: (s) => {
      const c = replica(s, 9104)
      insertShape(c, 's2', RECT)
      const live = shapesMap(c).get('s2')!._map.get('kind')!
      const tail = encodeItems([
        { client: 9105, clock: 0, origin: lastIdOf(live), parent: null, content: new Y.ContentDeleted(1) },
      ])
      return Y.mergeUpdates([diffFrom(c, s), tail])
    },
  },
  {
    name: 'a write to another root (map)',
    update: (s) => clientUpdate(s, (c) => c.getMap('other').set('k', 1)),
  },
  {
    name: 'a write to another root (text)',
    update: (s) => clientUpdate(s, (c) => c.getText('notes').insert(0, 'hello')),
  },
  {
    name: 'a write to another root (array)',
    update: (s) => clientUpdate(s, (c) => c.getArray('list').push([1])),
  },
  {
    name: 'a valid shape and an invalid one in the same update',
    update: (s) =>
      clientUpdate(s, (c) => {
        insertShape(c, 's2', RECT)
        s1(c).set('opacity', 7)
      }),
  },
]

const props = (kind: ShapeKind): CrdtProps => {
  switch (kind) {
    case 'pen':
      return { ...RECT, kind, points: [0, 0, 0.5, 10, 10, 0.5] }
    case 'line':
    case 'arrow':
      return { ...RECT, kind, points: [0, 0, 100, 50] }
    case 'text':
      return { ...RECT, kind, fontSize: 20, fixedWidth: true }
    default:
      return { ...RECT, kind }
  }
}

/** Honest writes the client makes (client/src/editor/writes.ts, shared insertShape). */
const VALID: { name: string; update: (server: Y.Doc) => Uint8Array }[] = [
  {
    name: 'new shapes of every kind',
    update: (s) =>
      clientUpdate(s, (c) => {
        for (const kind of SHAPE_KINDS) insertShape(c, `new-${kind}`, { ...props(kind), createdBy: 'Ada' })
      }),
  },
  {
    name: 'edits of every kind of property',
    update: (s) =>
      clientUpdate(s, (c) => {
        c.transact(() => {
          const m = s1(c)
          m.set('x', 10)
          m.set('y', -5.5)
          m.set('w', 300)
          m.set('z', 'a0V')
          m.set('fill', '#ff000080')
          m.set('createdBy', 'x'.repeat(64))
          m.set('fixedWidth', false)
          m.set('points', [1, 2, 3, 4])
        })
      }),
  },
  {
    name: 'deleting an optional property',
    update: (s) => clientUpdate(s, (c) => s1(c).delete('fontSize')),
  },
  {
    name: 'an overwritten invalid value the update deletes itself (history)',
    update: (s) =>
      clientUpdate(s, (c) => {
        s1(c).set('createdBy', 'x'.repeat(100))
        s1(c).set('createdBy', 'Ada')
      }),
  },
  {
    name: 'a sync step 2 carrying history: many overwrites, a created and filled shape',
    update: (s) =>
      clientUpdate(s, (c) => {
        for (let i = 0; i < 50; i++) s1(c).set('x', i)
        c.transact(() => shapesMap(c).set('later', new Y.Map()))
        const later = shapesMap(c).get('later')!
        c.transact(() => {
          for (const [k, v] of Object.entries(RECT)) later.set(k, v)
        })
        for (let i = 0; i < 20; i++) later.set('y', i)
      }),
  },
  {
    name: 'concurrent edits whose origin the server already overwrote (winning and losing)',
    update: (s) => {
      const low = replica(s, 1)
      const high = replica(s, HIGHEST_CLIENT)
      s1(s).set('kind', 'ellipse')
      s1(low).set('kind', 'diamond')
      s1(high).set('kind', 'sticky')
      return Y.mergeUpdates([diffFrom(low, s), diffFrom(high, s)])
    },
  },
  {
    name: 'an offline chain of overwrites of a required property after a concurrent edit',
    update: (s) => {
      const c = replica(s, HIGHEST_CLIENT)
      s1(s).set('x', -1)
      for (let i = 0; i < 20; i++) s1(c).set('x', i)
      return diffFrom(c, s)
    },
  },
  {
    name: 'a concurrent edit that lost, sent again after the winner reached the client (deleted by the update)',
    update: (s) => {
      const c = replica(s, 1)
      s1(c).set('kind', 'diamond')
      s1(s).set('kind', 'ellipse')
      Y.applyUpdate(c, Y.encodeStateAsUpdate(s))
      expect(s1(c).get('kind')).toBe('ellipse')
      return diffFrom(c, s)
    },
  },
  {
    name: 'the whole document again (what the server already has is not checked)',
    update: (s) => Y.mergeUpdates([Y.encodeStateAsUpdate(s), clientUpdate(s, (c) => s1(c).set('x', 3))]),
  },
]

describe('inspectUpdate with the shape schema', () => {
  for (const rule of RULES) {
    it(`refuses ${rule.name} as invalid`, () => {
      const server = serverDoc()
      rule.setup?.(server)
      const update = rule.update(server)
      const verdict = inspectUpdate(server, update, PROTECTION)
      expect(verdict.kind).toBe('invalid')
      if (rule.removes) {
        // What the check prevents: integrated, the update leaves s1 without the property.
        expect(s1(server).has(rule.removes)).toBe(true)
        Y.applyUpdate(server, update)
        expect(s1(server).has(rule.removes)).toBe(false)
      }
    })
  }
  for (const valid of VALID) {
    it(`accepts ${valid.name}`, () => {
      const server = serverDoc()
      const update = valid.update(server)
      expect(inspectUpdate(server, update, PROTECTION)).toEqual({ kind: 'ok' })
      Y.applyUpdate(server, update)
      expect(crdtProps.safeParse(s1(server).toJSON()).success).toBe(true)
    })
  }

  it('gives a value the same verdict every time, per property (verdicts are remembered)', () => {
    const server = serverDoc()
    const verdict = (key: string, value: unknown) =>
      inspectUpdate(
        server,
        clientUpdate(server, (c) => s1(c).set(key, value)),
        PROTECTION,
      ).kind
    for (let round = 0; round < 3; round++) {
      // One value, one property it fits and one it does not, asked in both orders.
      expect(verdict('createdBy', 'importer')).toBe('ok')
      expect(verdict('x', 'importer')).toBe('invalid')
      expect(verdict('x', 5)).toBe('ok')
      expect(verdict('kind', 5)).toBe('invalid')
      expect(verdict('kind', 'ellipse')).toBe('ok')
      expect(verdict('kind', 'hexagon')).toBe('invalid')
      expect(verdict('createdBy', 'y'.repeat(65))).toBe('invalid')
      expect(verdict('x', null)).toBe('invalid')
      expect(verdict('x', Number.NaN)).toBe('invalid')
      expect(verdict('x', -0)).toBe('ok')
    }
  })

  it('checks 20 000 shapes in one update, and finds the one invalid shape among them', () => {
    const server = serverDoc()
    const many = (last: Partial<CrdtProps>) =>
      clientUpdate(server, (c) =>
        c.transact(() => {
          for (let i = 0; i < 20_000; i++)
            insertShape(c, `bulk${i}`, { ...RECT, x: i, createdBy: 'importer' })
          s1(c).set('x', 1)
          shapesMap(c).get('bulk19999')!.set('createdBy', last.createdBy)
        }),
      )
    expect(inspectUpdate(server, many({ createdBy: 'fine' }), PROTECTION)).toEqual({ kind: 'ok' })
    const bad = inspectUpdate(server, many({ createdBy: 'y'.repeat(65) }), PROTECTION)
    expect(bad.kind).toBe('invalid')
  })
})

describe('a real server refuses invalid updates with 4415', () => {
  let server: EaselServer | undefined
  const clients: ProtocolClient[] = []
  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate()
    await server?.close()
    server = undefined
  })
  const connect = async (room: string) => {
    const c = await ProtocolClient.connect(wsUrl(server!), room)
    clients.push(c)
    return c
  }
  const sendUpdate = (c: ProtocolClient, update: Uint8Array) => {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MessageType.Sync)
    syncProtocol.writeUpdate(encoder, update)
    c.ws.send(encoding.toUint8Array(encoder))
  }

  for (const [i, rule] of RULES.entries()) {
    it(`${rule.name}: closed 4415, counted, nothing stored or broadcast (even after a restart)`, async () => {
      const dataDir = tempDir()
      const room = `schema-${i}`
      server = await startServer({ dataDir })
      const writer = await connect(room)
      const reader = await connect(room)
      writer.addShape('s1', { kind: 'text', fontSize: 16 })
      await waitFor(() => shapesMap(reader.doc).has('s1'), 's1 broadcast')
      const live = server.rooms.get(room)!
      if (rule.setup) {
        await live.transact((doc) => rule.setup!(doc))
        await waitFor(() => sameVector(reader.doc, live.doc), 'setup broadcast')
      }
      const vector = Y.encodeStateVector(live.doc)
      sendUpdate(writer, rule.update(live.doc))
      const { code } = await writer.closed
      expect(code).toBe(CloseCode.InvalidContent)
      expect(server.limits.tripped.schema).toBe(1)
      await live.idle()
      expect(Y.encodeStateVector(live.doc)).toEqual(vector)
      // The reader is still connected and got nothing of it: a later edit arrives, alone.
      const other = await connect(room)
      other.addShape('after', { x: 1 })
      await waitFor(() => shapesMap(reader.doc).has('after'), 'a later edit broadcast')
      const withoutLater = Y.encodeStateVector(live.doc)
      expect(withoutLater).not.toEqual(vector)
      expect(sameVector(reader.doc, live.doc)).toBe(true)
      for (const c of clients.splice(0)) c.terminate()
      await waitFor(() => server!.rooms.size === 0, 'the room unloaded')
      await server.close()
      server = await startServer({ dataDir })
      const fresh = await connect(room)
      expect(Y.encodeStateVector(fresh.doc)).toEqual(Y.encodeStateVector(server.rooms.get(room)!.doc))
      expect(Y.encodeStateVector(server.rooms.get(room)!.doc)).toEqual(withoutLater)
    })
  }

  it('honest writes are accepted and broadcast: every kind, edits, a sync step 2 with history', async () => {
    server = await startServer()
    const a = await connect('honest')
    const b = await connect('honest')
    for (const kind of SHAPE_KINDS) a.addShape(`k-${kind}`, { ...props(kind), createdBy: 'Ada' })
    const first = shapesMap(a.doc).get('k-rect')!
    for (let i = 0; i < 30; i++) first.set('x', i)
    shapesMap(a.doc).get('k-text')!.delete('fontSize')
    await waitFor(() => shapesMap(b.doc).get('k-rect')?.get('x') === 29, 'edits broadcast')
    // Offline edits, then a reconnect: its sync step 2 carries them with their history.
    const offline = a.doc
    a.terminate()
    for (let i = 0; i < 30; i++) first.set('y', i)
    insertShape(offline, 'offline', { ...RECT, kind: 'diamond' })
    const again = await ProtocolClient.connect(wsUrl(server), 'honest', { doc: offline })
    clients.push(again)
    await waitFor(() => shapesMap(b.doc).has('offline') && first.get('y') === 29, 'the offline edits')
    await waitFor(() => shapesMap(b.doc).get('k-rect')?.get('y') === 29, 'the offline edits broadcast')
    expect(again.closeCode).toBeNull()
    expect(b.closeCode).toBeNull()
    expect(server.limits.tripped.schema).toBe(0)
  })
})
