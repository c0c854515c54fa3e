import type { ClientMessage, ServerMessage } from '@easel/shared'
import { describe, expect, it } from 'vitest'
import { LeaseClient, type LeaseClientEvent } from './LeaseClient.ts'

/** The socket side LeaseClient talks to: records what is sent, delivers what the server says. */
function socket() {
  const listeners = new Set<() => void>()
  const easel = new Set<(m: ServerMessage) => void>()
  const s = {
    easelReady: true,
    sent: [] as ClientMessage[],
    subscribe: (l: () => void) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    onEasel: (l: (m: ServerMessage) => void) => {
      easel.add(l)
      return () => easel.delete(l)
    },
    sendEasel: (m: ClientMessage) => {
      if (!s.easelReady) return false
      s.sent.push(m)
      return true
    },
    setReady(ready: boolean) {
      s.easelReady = ready
      for (const l of listeners) l()
    },
    deliver: (m: ServerMessage) => {
      for (const l of easel) l(m)
    },
  }
  return s
}

describe('LeaseClient across a dropped socket', () => {
  it('gives back leases held before the drop that nobody asks for again, keeps those asked for', () => {
    const s = socket()
    const leases = new LeaseClient(s)
    const events: LeaseClientEvent[] = []
    leases.onEvent((e) => {
      events.push(e)
      // What the text editor does when the socket is back: ask again for the note still open.
      if (e.type === 'online') leases.acquire('open-note', false)
    })
    s.deliver({ t: 'lock.granted', shapeId: 'open-note', token: 4, expiresIn: 9000 })
    s.deliver({ t: 'lock.granted', shapeId: 'closed-note', token: 7, expiresIn: 9000 })

    s.setReady(false)
    expect(events.filter((e) => e.type === 'lost').map((e) => e.type === 'lost' && e.shapeId)).toEqual([
      'open-note',
      'closed-note',
    ])
    expect(leases.tokenOf('closed-note')).toBeNull()

    s.sent.length = 0
    s.setReady(true)
    // A server that restarted without hearing the close still holds both for this session.
    expect(s.sent).toEqual([
      { t: 'lock.acquire', shapeId: 'open-note', wait: false },
      { t: 'lock.release', shapeId: 'closed-note', token: 7 },
    ])

    // Only once: a later reconnect has nothing left to give back.
    s.sent.length = 0
    s.setReady(false)
    s.setReady(true)
    expect(s.sent).toEqual([{ t: 'lock.acquire', shapeId: 'open-note', wait: false }])
    leases.destroy()
  })
})

describe('LeaseClient lease list', () => {
  const lease = (shapeId: string, mine: boolean, holderName = mine ? 'Me' : 'Bo') => ({
    shapeId,
    holderId: mine ? 'my-session' : 'bo-session',
    holderName,
    holderColor: '#1971c2',
    mine,
    expiresIn: 10_000,
  })

  it('takes the whole list once, then applies the changes; `mine` comes from the server', () => {
    const s = socket()
    const leases = new LeaseClient(s)
    let changes = 0
    leases.subscribe(() => changes++)
    s.deliver({ t: 'leases', leases: [lease('a', false), lease('b', true)] })
    expect(leases.leases()).toEqual([lease('a', false), lease('b', true)])
    const snapshot = leases.leases()
    expect(leases.leases()).toBe(snapshot)
    s.deliver({ t: 'leases.changed', set: [lease('c', false), lease('a', false, 'Cy')], removed: ['b'] })
    expect(leases.leases().map((l) => [l.shapeId, l.holderName, l.mine])).toEqual([
      ['a', 'Cy', false],
      ['c', 'Bo', false],
    ])
    expect(changes).toBe(2)
    // A new list after a reconnect replaces everything.
    s.deliver({ t: 'leases', leases: [] })
    expect(leases.leases()).toEqual([])
    leases.destroy()
  })
})
