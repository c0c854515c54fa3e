import { describe, expect, it } from 'vitest'
import { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { MAX_PUBLISHED_SELECTION, Presence } from './presence.ts'

function presence(selection: string[]) {
  const awareness = new Awareness(new Y.Doc())
  let changes = 0
  const p = new Presence({
    awareness,
    user: { id: 'me', name: 'Me', color: '#123456' },
    selection: () => selection,
    viewport: () => ({ x: 0, y: 0, w: 100, h: 100 }),
    show: () => {},
    onChange: () => changes++,
    intervalMs: 0,
  })
  return { p, awareness, changes: () => changes }
}

describe('presence', () => {
  it('publishes at most 500 selected ids, so its state stays well under the server awareness cap', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `shape-${String(i).padStart(16, '0')}`)
    const { p, awareness } = presence(ids)
    const state = awareness.getLocalState() as { presence: { selection: string[] } }
    expect(state.presence.selection).toEqual(ids.slice(0, MAX_PUBLISHED_SELECTION))
    expect(JSON.stringify(state).length).toBeLessThan(16 * 1024)
    p.destroy()
  })

  it("lists a peer under the server's stamp, not the name and colour the peer wrote", () => {
    const { p, awareness } = presence([])
    const remote = {
      cursor: null,
      selection: [],
      viewport: null,
      user: { id: 'x', name: 'Admin', color: 'red' },
    }
    awareness.states.set(42, {
      presence: remote,
      user: { name: 'Bo', color: '#1971c2', sessionId: 'bo-session' },
    })
    // A state the server did not stamp (no `user`) is not listed.
    awareness.states.set(43, { presence: remote })
    awareness.emit('change', [{ added: [42, 43], updated: [], removed: [] }, 'remote'])
    expect(p.peers).toEqual([
      { ...remote, user: { id: 'bo-session', name: 'Bo', color: '#1971c2' }, clientId: 42 },
    ])
    p.destroy()
  })
})
