import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { findProtectedWrite } from './protectedState.ts'

const PROTECTED = { protectedRoots: new Set(['versioned']), appendOnlyRoots: new Set(['shapes']) }

/** A server doc with some server-written protected state and a client that synced it. */
function setup() {
  const server = new Y.Doc()
  server.getMap('versioned').set('s1:text', { version: 1, value: 'hi' })
  const nested = new Y.Map<unknown>()
  server.getMap('versioned').set('nested', nested)
  nested.set('a', 1)
  server.getArray('versionedList')
  const shapes = server.getMap<Y.Map<unknown>>('shapes')
  const s1 = new Y.Map<unknown>()
  shapes.set('s1', s1)
  s1.set('x', 1)
  const client = new Y.Doc()
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server))
  return { server, client }
}

/** The update a client change produces, relative to what the server has. */
function diff(client: Y.Doc, server: Y.Doc, change: () => void): Uint8Array {
  const sv = Y.encodeStateVector(server)
  change()
  return Y.encodeStateAsUpdate(client, sv)
}

describe('findProtectedWrite', () => {
  it('allows edits to unprotected roots, including nested maps and deletions', () => {
    const { server, client } = setup()
    const update = diff(client, server, () => {
      const s1 = client.getMap<Y.Map<unknown>>('shapes').get('s1')!
      s1.set('x', 2)
      s1.set('y', 3)
      s1.delete('y')
      client.getMap('shapes').set('s2', new Y.Map())
      client.getArray('list').insert(0, [1, 2])
      client.getMap('other').set('k', 1)
      client.getMap('other').delete('k')
    })
    expect(findProtectedWrite(server, update, PROTECTED)).toBeNull()
  })

  it('refuses removing or replacing an entry of an append-only root', () => {
    const removed = setup()
    const del = diff(removed.client, removed.server, () => removed.client.getMap('shapes').delete('s1'))
    expect(findProtectedWrite(removed.server, del, PROTECTED)).toMatch(/removes an entry of "shapes"/)
    const replaced = setup()
    const rep = diff(replaced.client, replaced.server, () =>
      replaced.client.getMap('shapes').set('s1', new Y.Map()),
    )
    expect(findProtectedWrite(replaced.server, rep, PROTECTED)).toMatch(/removes an entry/)
  })

  const attacks: [string, (c: Y.Doc) => void][] = [
    ['sets a key on the protected root', (c) => c.getMap('versioned').set('s1:text', { version: 9 })],
    ['adds a new key', (c) => c.getMap('versioned').set('new', 1)],
    ['deletes a key', (c) => c.getMap('versioned').delete('s1:text')],
    [
      'edits a nested map inside it',
      (c) => (c.getMap('versioned').get('nested') as Y.Map<unknown>).set('a', 2),
    ],
    [
      'deletes inside a nested map',
      (c) => (c.getMap('versioned').get('nested') as Y.Map<unknown>).delete('a'),
    ],
    [
      'creates a nested type and writes into it in one update',
      (c) => {
        const m = new Y.Map<unknown>()
        c.getMap('versioned').set('fresh', m)
        m.set('deep', true)
      },
    ],
  ]
  for (const [what, change] of attacks) {
    it(`refuses an update that ${what}`, () => {
      const { server, client } = setup()
      const update = diff(client, server, () => change(client))
      expect(findProtectedWrite(server, update, PROTECTED)).toMatch(/protected root "versioned"/)
    })
  }

  it('resolves parents inherited through origins (array inserts after existing items)', () => {
    const server = new Y.Doc()
    server.getArray('versioned').insert(0, ['a', 'b'])
    const client = new Y.Doc()
    Y.applyUpdate(client, Y.encodeStateAsUpdate(server))
    const update = diff(client, server, () => client.getArray('versioned').insert(1, ['x']))
    expect(findProtectedWrite(server, update, PROTECTED)).toMatch(/protected/)
  })

  it('ignores structs the server already has (a client re-sending server writes)', () => {
    const { server, client } = setup()
    // The whole client state, including the server-written protected items.
    const update = Y.encodeStateAsUpdate(client)
    expect(findProtectedWrite(server, update, PROTECTED)).toBeNull()
  })

  it('refuses items using the server’s own client id', () => {
    const server = new Y.Doc()
    const forged = new Y.Doc()
    forged.clientID = server.clientID
    forged.getMap('shapes').set('x', 1)
    expect(findProtectedWrite(server, Y.encodeStateAsUpdate(forged), PROTECTED)).toMatch(/client id/)
  })

  it('reports items whose parent cannot be resolved', () => {
    const base = new Y.Doc()
    base.getArray('a').insert(0, [1])
    const client = new Y.Doc()
    Y.applyUpdate(client, Y.encodeStateAsUpdate(base))
    const sv = Y.encodeStateVector(client)
    client.getArray('a').insert(1, [2])
    const update = Y.encodeStateAsUpdate(client, sv)
    // The server never saw `base`, so the new item's origin is unknown to it.
    expect(findProtectedWrite(new Y.Doc(), update, PROTECTED)).toMatch(/unknown parent/)
  })

  it('throws on bytes that are not an update', () => {
    expect(() => findProtectedWrite(new Y.Doc(), Uint8Array.of(5, 200, 1, 255), PROTECTED)).toThrow()
  })
})
