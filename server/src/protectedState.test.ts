import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeItems, withoutDeletes } from '../test/yjsForge.ts'
import { inspectUpdate, type ProtectionRules } from './protectedState.ts'

const PROTECTED: ProtectionRules = {
  protectedRoots: new Set(['versioned']),
  appendOnlyRoots: new Set(['shapes']),
}

/** The verdict as `null` (accepted) or `kind: reason`, which reads well in expectations. */
function findProtectedWrite(doc: Y.Doc, update: Uint8Array, rules = PROTECTED): string | null {
  const v = inspectUpdate(doc, update, rules)
  return v.kind === 'ok' ? null : `${v.kind}: ${v.reason}`
}

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

describe('inspectUpdate', () => {
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
    expect(findProtectedWrite(replaced.server, rep, PROTECTED)).toMatch(/^forbidden: .*entry "s1"/)
  })

  it('refuses replacing a shape entry even when the update carries no deletion (finding 2)', () => {
    const { server, client } = setup()
    const rep = diff(client, server, () => client.getMap('shapes').set('s1', new Y.Map()))
    // Strip the delete set: Yjs would still drop the old entry when the new one integrates.
    const { structs } = Y.decodeUpdate(rep)
    expect(structs.length).toBeGreaterThan(0)
    const onlyStructs = withoutDeletes(rep)
    expect(Y.decodeUpdate(onlyStructs).ds.clients.size).toBe(0)
    expect(findProtectedWrite(server, onlyStructs, PROTECTED)).toMatch(/^forbidden: .*replaces entry "s1"/)
    // What would happen without the check: the shape is gone for everyone.
    const copy = new Y.Doc()
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(server))
    Y.applyUpdate(copy, onlyStructs)
    expect((copy.getMap('shapes').get('s1') as Y.Map<unknown>).get('x')).toBeUndefined()
  })

  it('accepts a client’s whole state after the server overwrote a versioned value twice (finding 1)', () => {
    const server = new Y.Doc()
    const v = server.getMap('versioned')
    v.set('s1:text', { version: 1, value: 'a' })
    v.set('s1:text', { version: 2, value: 'ab' })
    v.set('s1:text', { version: 3, value: 'abc' })
    const client = new Y.Doc()
    Y.applyUpdate(client, Y.encodeStateAsUpdate(server))
    client.getMap('shapes').set('s2', new Y.Map())
    // A reconnecting or reloaded client answers the server's sync step 1 with this: it carries
    // the deletions of the server's own overwritten entries, which change nothing.
    const step2 = Y.encodeStateAsUpdate(client, Y.encodeStateVector(server))
    expect(Y.decodeUpdate(step2).ds.clients.has(server.clientID)).toBe(true)
    expect(findProtectedWrite(server, step2, PROTECTED)).toBeNull()
    // The same after a restart: the server's document is reloaded from its stored state.
    const restarted = new Y.Doc()
    Y.applyUpdate(restarted, Y.encodeStateAsUpdate(server))
    expect(findProtectedWrite(restarted, Y.encodeStateAsUpdate(client), PROTECTED)).toBeNull()
    // Deleting the live value is still refused.
    const del = diff(client, server, () => client.getMap('versioned').delete('s1:text'))
    expect(findProtectedWrite(server, del, PROTECTED)).toMatch(
      /^forbidden: update deletes from protected root/,
    )
  })

  it('a gap in a client’s clocks, or deletions of unknown structs, are incomplete (never left pending)', () => {
    const a = new Y.Doc()
    a.getArray('l').insert(0, [1])
    const first = Y.encodeStateAsUpdate(a)
    const sv = Y.encodeStateVector(a)
    a.getArray('l').insert(1, [2])
    const second = Y.encodeStateAsUpdate(a, sv)
    const server = new Y.Doc()
    expect(findProtectedWrite(server, second, PROTECTED)).toMatch(/^incomplete: update misses structs/)
    Y.applyUpdate(server, first)
    expect(findProtectedWrite(server, second, PROTECTED)).toBeNull()
    // A deletion of something the server never had would sit in Yjs's pending delete set.
    const b = new Y.Doc()
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    const bsv = Y.encodeStateVector(b)
    b.getArray('l').delete(1, 1)
    const deletion = Y.encodeStateAsUpdate(b, bsv)
    expect(findProtectedWrite(new Y.Doc(), deletion, PROTECTED)).toMatch(
      /^incomplete: update deletes unknown/,
    )
  })

  it('refuses an item that names its own future as origin (Yjs would throw half-way)', () => {
    const forged = encodeItems([
      { client: 7, clock: 0, origin: Y.createID(7, 5), parent: null, content: new Y.ContentAny(['x']) },
    ])
    expect(findProtectedWrite(new Y.Doc(), forged, PROTECTED)).toMatch(/^malformed: .*refers forward/)
  })

  it('refuses a client that appears twice in one update', () => {
    const a = new Y.Doc()
    a.clientID = 9
    a.getArray('l').insert(0, [1, 2, 3])
    const once = Y.encodeStateAsUpdate(a)
    const twice = encodeItems([
      { client: 9, clock: 0, origin: null, parent: 'l', content: new Y.ContentAny([1]) },
      { client: 9, clock: 0, origin: null, parent: 'l', content: new Y.ContentAny([2]), newRun: true },
    ])
    expect(findProtectedWrite(new Y.Doc(), once, PROTECTED)).toBeNull()
    expect(findProtectedWrite(new Y.Doc(), twice, PROTECTED)).toMatch(/^malformed: client 9 appears twice/)
  })

  it('refuses subdocuments and keyless items in the shapes root', () => {
    const withSubdoc = new Y.Doc()
    withSubdoc.getMap('other').set('sub', new Y.Doc())
    expect(findProtectedWrite(new Y.Doc(), Y.encodeStateAsUpdate(withSubdoc), PROTECTED)).toMatch(
      /subdocuments/,
    )
    const keyless = encodeItems([
      { client: 5, clock: 0, origin: null, parent: 'shapes', content: new Y.ContentAny([1]) },
    ])
    expect(findProtectedWrite(new Y.Doc(), keyless, PROTECTED)).toMatch(/keyless item into "shapes"/)
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

  it('reports items whose dependencies the server does not have as incomplete (resync), not forbidden', () => {
    const base = new Y.Doc()
    base.getArray('a').insert(0, [1])
    const client = new Y.Doc()
    Y.applyUpdate(client, Y.encodeStateAsUpdate(base))
    const sv = Y.encodeStateVector(client)
    client.getArray('a').insert(1, [2])
    const update = Y.encodeStateAsUpdate(client, sv)
    // The server never saw `base`, so the new item's origin is unknown to it.
    expect(findProtectedWrite(new Y.Doc(), update, PROTECTED)).toMatch(/^incomplete: .*depends on unknown/)
  })

  it('throws on bytes that are not an update', () => {
    expect(() => findProtectedWrite(new Y.Doc(), Uint8Array.of(5, 200, 1, 255), PROTECTED)).toThrow()
  })
})
