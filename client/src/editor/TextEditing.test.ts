import { describe, expect, it } from 'vitest'
import type { PendingCommit } from '../sync/CommitQueue.ts'
import { FakeRoom, type FakePeer } from '../testing/FakeRoom.ts'
import { type KeyValueStorage, memoryStorage } from '../sync/roomStorage.ts'
import { DraftStore } from './drafts.ts'
import { TextEditing } from './TextEditing.ts'
import { roomEditor, settle } from './testPeer.ts'

const ROOM = 'r1'

function user(room: FakeRoom, name: string, storage: KeyValueStorage = memoryStorage(), debounceMs = 0) {
  const { peer, editor } = roomEditor(room, name)
  const drafts = new DraftStore(ROOM, storage)
  const text = new TextEditing(editor, peer, debounceMs, drafts)
  return { peer, editor, text, drafts, storage }
}

/** Holds the peer's lease requests back until `release()`: a slow round trip to the server. */
function slowAcquire(peer: FakePeer) {
  const held: (() => void)[] = []
  const real = peer.acquire.bind(peer)
  peer.acquire = (id, wait) => void held.push(() => real(id, wait))
  return () => {
    peer.acquire = real
    for (const h of held.splice(0)) h()
  }
}

/** Copies what is on "disk", as a closed tab leaves it (later writes of the old page do not count). */
function snapshot(storage: KeyValueStorage, key: string): KeyValueStorage {
  const copy = memoryStorage()
  const v = storage.getItem(key)
  if (v !== null) copy.setItem(key, v)
  return copy
}

async function sticky(room: FakeRoom, u: ReturnType<typeof user>, text = '') {
  const id = u.editor.createShape('sticky', { x: 0, y: 0, w: 200, h: 200 })
  await settle(room)
  if (text) {
    u.text.start(id)
    await settle(room)
    u.text.input(text)
    await Promise.all([u.text.stop(), settle(room)])
    await settle(room)
  }
  return id
}

/** Users A and B on a note with `text`, A editing it under its lease. */
async function aEditing(text: string) {
  const room = new FakeRoom()
  const a = user(room, 'A')
  const b = user(room, 'B')
  const id = await sticky(room, a, text)
  a.text.start(id)
  await settle(room)
  return { room, a, b, id }
}

describe('typing while the lease is asked for', () => {
  it('edits only shapes whose kind has text, and asks for no lease on others', async () => {
    const room = new FakeRoom()
    const a = user(room, 'A')
    const rect = a.editor.createShape('rect', { x: 0, y: 0, w: 50, h: 50 })
    const text = a.editor.createShape('text', { x: 90, y: 0, w: 50, h: 20 })
    await settle(room)
    a.text.start(rect)
    await settle(room)
    expect(a.text.editing).toBeNull()
    expect(a.text.leaseOn(rect)).toBeUndefined()
    a.text.start(text)
    await settle(room)
    expect(a.text.editing).toMatchObject({ shapeId: text, status: 'editing' })
  })

  it('opens the editor at once, buffers the keys and commits them after the grant', async () => {
    const room = new FakeRoom()
    const a = user(room, 'A')
    const b = user(room, 'B')
    const id = await sticky(room, a, 'Plan')
    a.text.start(id)
    // Before the server has answered: the editor is open and takes the keys.
    expect(a.text.editing).toMatchObject({ shapeId: id, status: 'pending', draft: 'Plan' })
    a.text.input('Plan B')
    expect(a.peer.commits.pending()).toEqual([]) // nothing is sent without the lease
    expect(a.drafts.get(id)).toMatchObject({ draft: 'Plan B', baseText: 'Plan' })
    await settle(room)
    expect(a.text.editing).toMatchObject({ status: 'editing', token: 2, draft: 'Plan B' })
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('Plan B')
    expect(a.drafts.get(id)).toBeUndefined() // acknowledged: nothing left to recover
    expect(a.editor.notices).toEqual([])
  })

  it('a grant after someone else changed the text keeps the buffered draft aside and overwrites nothing', async () => {
    const room = new FakeRoom()
    const a = user(room, 'A')
    const b = user(room, 'B')
    const id = await sticky(room, a, 'Plan')
    const answer = slowAcquire(a.peer)
    a.text.start(id)
    a.text.input('Plan by A')
    // Meanwhile B gets the lease first and changes the text.
    b.text.start(id)
    await settle(room)
    b.text.input('Plan by B')
    await Promise.all([b.text.stop(), settle(room)])
    await settle(room)
    answer()
    await settle(room)
    // A edits B's text; A's is in a notice with "Re-apply my text".
    expect(a.text.editing).toMatchObject({ status: 'editing', draft: 'Plan by B' })
    expect(b.editor.getShape(id)!.text).toBe('Plan by B')
    const n = a.editor.notices.at(-1)!
    expect(n).toMatchObject({ kind: 'conflict', draft: 'Plan by A' })
    expect(n.text).toMatch(/B changed/)
    expect(n.actions.map((x) => x.label)).toEqual(['Re-apply my text'])
    // Re-applying (the user's choice) writes it.
    n.actions[0]!.run()
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('Plan by A')
  })

  it('no editor opens on a shape someone else holds; the prompt says who', async () => {
    const room = new FakeRoom()
    const a = user(room, 'A')
    const b = user(room, 'B')
    const id = await sticky(room, a)
    a.text.start(id)
    await settle(room)
    b.text.start(id)
    expect(b.text.editing).toBeNull()
    await settle(room)
    expect(b.text.request).toMatchObject({ status: 'held', holderName: 'A' })
  })

  it('denied because someone else holds it: the editor closes, the draft is kept, re-apply waits and applies', async () => {
    const { room, a, b, id } = await aEditing('Agenda')
    // B has not heard of A's lease yet.
    const live = b.peer.leases.bind(b.peer)
    b.peer.leases = () => []
    b.text.start(id)
    expect(b.text.editing?.status).toBe('pending')
    b.text.input('Agenda: B')
    b.peer.leases = live
    await settle(room)
    expect(b.text.editing).toBeNull()
    expect(b.text.request).toMatchObject({ status: 'held', holderName: 'A' })
    const n = b.editor.notices.at(-1)!
    expect(n).toMatchObject({ kind: 'locked', draft: 'Agenda: B' })
    expect(n.text).toMatch(/A is editing/)
    n.actions[0]!.run()
    await settle(room)
    expect(b.text.request).toMatchObject({ status: 'waiting', position: 1 })
    a.text.input('Agenda: A')
    await Promise.all([a.text.stop(), settle(room)])
    await settle(room)
    expect(a.editor.getShape(id)!.text).toBe('Agenda: B')
    expect(b.text.request).toBeNull()
    expect(b.drafts.get(id)).toBeUndefined()
    expect(room.leases.get(id, room.now)).toBeNull() // given back after writing
  })

  it('denied for another reason (view-only): what was typed is kept in a notice', async () => {
    const room = new FakeRoom()
    const a = user(room, 'A')
    const id = await sticky(room, a, 'Hi')
    slowAcquire(a.peer)
    a.text.start(id)
    a.text.input('Hi there')
    a.peer.emit({
      type: 'denied',
      shapeId: id,
      holderName: '',
      holderColor: '',
      position: null,
      reason: 'view-only',
    })

    expect(a.text.editing).toBeNull()
    expect(a.editor.notices.at(-1)).toMatchObject({ kind: 'error', draft: 'Hi there' })
    expect(a.drafts.get(id)?.draft).toBe('Hi there')
  })

  /** A opens a note while not connected: the lease request is refused as offline. */
  async function aOpensOffline() {
    const room = new FakeRoom()
    const a = user(room, 'A')
    const b = user(room, 'B')
    const id = await sticky(room, a, 'Hi')
    const connect = slowAcquire(a.peer)
    a.text.start(id)
    a.peer.emit({
      type: 'denied',
      shapeId: id,
      holderName: '',
      holderColor: '',
      position: null,
      reason: 'offline',
    })
    const online = () => {
      connect()
      a.peer.emit({ type: 'online' })
    }
    return { room, a, b, id, online }
  }

  it('offline: the editor opens anyway, keeps every key, and commits them once connected', async () => {
    const { room, a, b, id, online } = await aOpensOffline()
    a.text.input('Hi offline')
    expect(a.text.editing).toMatchObject({ status: 'pending', offline: true, draft: 'Hi offline' })
    expect(a.editor.notices).toEqual([])
    online()
    await settle(room)
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('Hi offline')
    expect(a.text.editing).toMatchObject({ status: 'editing', offline: false })
    expect(a.editor.notices).toEqual([])
  })

  it('offline: an editor closed before it could get the lock writes its text once connected', async () => {
    const { room, a, b, id, online } = await aOpensOffline()
    a.text.input('Hi, closed offline')
    await a.text.stop()
    // Not sent yet, but the note shows what its author typed.
    expect(a.editor.getShape(id)!.text).toBe('Hi, closed offline')
    expect(a.editor.readCommitted(id)!.text).toBe('Hi')
    online()
    await settle(room)
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('Hi, closed offline')
    expect(a.editor.notices).toEqual([])
  })

  it('leaving the pending editor before the grant still writes what was typed', async () => {
    const room = new FakeRoom()
    const a = user(room, 'A')
    const b = user(room, 'B')
    const id = await sticky(room, a, 'x')
    a.text.start(id)
    a.text.input('xy')
    void a.text.stop()
    expect(a.text.editing).toBeNull()
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('xy')
    expect(room.leases.get(id, room.now)).toBeNull()
  })

  it('left and opened again before the grant, the editor goes on with what was typed', async () => {
    const room = new FakeRoom()
    const a = user(room, 'A')
    const b = user(room, 'B')
    const id = await sticky(room, a, 'Plan')
    a.text.start(id)
    a.text.input('Plan A')
    void a.text.stop()
    a.text.start(id)
    expect(a.text.editing).toMatchObject({ status: 'pending', draft: 'Plan A', saved: 'Plan' })
    a.text.input('Plan A!')
    await settle(room)
    expect(a.text.editing).toMatchObject({ status: 'editing', draft: 'Plan A!' })
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('Plan A!')
    await Promise.all([a.text.stop(), settle(room)])
    await settle(room)
    expect(room.leases.get(id, room.now)).toBeNull()
    expect(a.editor.notices).toEqual([])
  })

  it('opened again while its last save is unanswered, the note goes on under the lease still held', async () => {
    const { room, a, b, id } = await aEditing('Plan')
    a.text.input('Plan A')
    void a.text.stop()
    // The save is in flight (the lease is released only after its answer): open it again at once.
    a.text.start(id)
    expect(a.text.editing).toMatchObject({ shapeId: id, status: 'pending' })
    a.text.input('Plan AB')
    await settle(room)
    expect(a.text.editing).toMatchObject({ shapeId: id, status: 'editing', draft: 'Plan AB' })
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('Plan AB')
    expect(room.leases.get(id, room.now)?.holder.id).toBe(a.peer.clientId)
    await Promise.all([a.text.stop(), settle(room)])
    await settle(room)
    expect(room.leases.get(id, room.now)).toBeNull()
    expect(a.editor.notices).toEqual([])
  })

  it('opened again while its last text still waits behind an earlier commit, the editor shows that text', async () => {
    const { room, a, b, id } = await aEditing('One')
    a.text.input('One A')
    void a.text.flush() // in flight
    a.text.input('One AB')
    void a.text.stop() // 'One AB' waits for that answer before it is even sent
    a.text.start(id)
    expect(a.text.editing).toMatchObject({ status: 'pending', draft: 'One AB' })
    a.text.input('One AB!')
    await settle(room)
    await settle(room)
    expect(a.text.editing).toMatchObject({ status: 'editing', draft: 'One AB!' })
    expect(b.editor.getShape(id)!.text).toBe('One AB!')
    expect(a.editor.notices).toEqual([])
  })

  it('opened again and left again before that save is answered, what was typed is still written', async () => {
    const { room, a, b, id } = await aEditing('Plan')
    a.text.input('Plan A')
    void a.text.stop()
    a.text.start(id)
    a.text.input('Plan AB')
    void a.text.stop()
    await settle(room)
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('Plan AB')
    expect(room.leases.get(id, room.now)).toBeNull()
    expect(a.editor.notices).toEqual([])
  })
})

describe('a network blip while editing', () => {
  /** The socket drops: the server lets the lease go (unless `keep`, as across its own restart). */
  function blip(room: FakeRoom, u: ReturnType<typeof user>, id: string, keep = false) {
    const token = u.text.editing!.token
    if (!keep) room.leases.releaseClient(u.peer.clientId, room.now)
    u.peer.emit({ type: 'lost', shapeId: id, token, reason: 'disconnected' })
    return () => u.peer.emit({ type: 'online' })
  }

  it('on reconnect the lease is asked for again and what was typed offline is committed', async () => {
    const { room, a, b, id } = await aEditing('Plan')
    const online = blip(room, a, id)
    a.text.input('Plan v2')
    expect(a.text.editing).toMatchObject({ offline: true, draft: 'Plan v2' })
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('Plan') // nothing sent while offline
    online()
    await settle(room)
    expect(a.text.editing).toMatchObject({ status: 'editing', draft: 'Plan v2' })
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('Plan v2')
    expect(a.editor.notices).toEqual([])
    a.text.input('Plan v3') // and typing goes on under the new lease
    await Promise.all([a.text.stop(), settle(room)])
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('Plan v3')
  })

  it('if someone changed the text meanwhile, theirs stays and the offline draft is shown', async () => {
    const { room, a, b, id } = await aEditing('Plan')
    const online = blip(room, a, id)
    a.text.input('Plan (A offline)')
    b.text.start(id)
    await settle(room)
    b.text.input('Plan (B)')
    await Promise.all([b.text.stop(), settle(room)])
    await settle(room)
    online()
    await settle(room)
    await settle(room)
    expect(a.editor.getShape(id)!.text).toBe('Plan (B)')
    expect(a.editor.notices.at(-1)).toMatchObject({ draft: 'Plan (A offline)' })
    expect(a.editor.notices.at(-1)!.text).toMatch(/^B changed the text of .* while you were offline/)
    expect(a.text.editing).toBeNull()
    expect(room.leases.get(id, room.now)).toBeNull() // given back: A was not looking at B's text
  })

  for (const keep of [false, true]) {
    it(`an editor closed while offline writes its text once connected${keep ? ' (lease kept across a server restart)' : ''}`, async () => {
      const { room, a, b, id } = await aEditing('base')
      const online = blip(room, a, id, keep)
      a.text.input('base dead')
      a.text.input('base dead alive')
      await a.text.stop() // Esc while still reconnecting
      expect(a.text.editing).toBeNull()
      await settle(room)
      expect(b.editor.getShape(id)!.text).toBe('base') // nothing sent while offline
      expect(a.editor.getShape(id)!.text).toBe('base dead alive') // but A sees what A typed
      online()
      await settle(room)
      await settle(room)
      expect(b.editor.getShape(id)!.text).toBe('base dead alive')
      expect(room.leases.get(id, room.now)).toBeNull() // and the lease is given back
      expect(a.editor.notices).toEqual([])
    })
  }

  it('closed offline with a save in flight: the save and then the rest are written, no conflict', async () => {
    const { room, a, b, id } = await aEditing('base')
    a.peer.online = false // the commit is sent into a socket that is about to drop
    a.text.input('base pre')
    void a.text.flush()
    const online = blip(room, a, id, true)
    a.text.input('base pre dead')
    await a.text.stop()
    a.peer.online = true
    a.peer.resume() // the commit queue resends on reconnect, then the lease is asked for
    online()
    await settle(room)
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('base pre dead')
    expect(a.editor.notices).toEqual([])
    expect(room.leases.get(id, room.now)).toBeNull()
  })

  it('closed offline while someone else changed the text: theirs stays, ours is offered', async () => {
    const { room, a, b, id } = await aEditing('base')
    const online = blip(room, a, id)
    a.text.input('base (A offline)')
    await a.text.stop()
    b.text.start(id)
    await settle(room)
    b.text.input('base (B)')
    await Promise.all([b.text.stop(), settle(room)])
    await settle(room)
    expect(a.editor.getShape(id)!.text).toBe('base (A offline)')
    online()
    await settle(room)
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('base (B)')
    // A's note showed A's text while it waited; now it shows B's, and A's is in the notice.
    expect(a.editor.getShape(id)!.text).toBe('base (B)')
    expect(a.editor.notices.map((n) => n.draft)).toEqual(['base (A offline)'])
    expect(room.leases.get(id, room.now)).toBeNull()
  })

  it('a lease the server kept for this session (its own restart) goes on with the same token', async () => {
    const { room, a, b, id } = await aEditing('Plan')
    const token = a.text.editing!.token
    const online = blip(room, a, id, true)
    a.text.input('Plan kept')
    online()
    await settle(room)
    expect(a.text.editing).toMatchObject({ status: 'editing', token, draft: 'Plan kept' })
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('Plan kept')
    expect(a.editor.notices).toEqual([])
  })
})

describe('text typed just before the tab closes', () => {
  it('flushNow sends the waiting commit at once instead of after the debounce', async () => {
    const room = new FakeRoom()
    const a = user(room, 'A', memoryStorage(), 60_000)
    const b = user(room, 'B')
    const id = await sticky(room, a)
    a.text.start(id)
    await settle(room)
    a.text.input('Last words')
    expect(a.peer.commits.pending()).toEqual([])
    a.text.flushNow()
    expect(a.peer.commits.pending()).toMatchObject([{ shapeId: id, field: 'text', value: 'Last words' }])
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('Last words')
    a.text.destroy()
  })

  it('a draft survives a reload and is offered; re-apply takes the lease and commits it', async () => {
    const room = new FakeRoom()
    const a = user(room, 'A', memoryStorage(), 60_000)
    const b = user(room, 'B')
    const id = await sticky(room, a, 'Todo')
    a.text.start(id)
    await settle(room)
    a.text.input('Todo: ship')
    // The tab closes before the debounce: the socket goes, so does the lease.
    const disk = snapshot(a.storage, a.drafts.key)
    a.text.destroy()
    room.leases.releaseClient(a.peer.clientId, room.now)
    const again = user(room, 'A', disk)
    again.text.recoverDrafts()
    const n = again.editor.notices.at(-1)!
    expect(n.text).toMatch(/Text you typed in the sticky note “Todo” before the page closed was not saved/)
    expect(n.draft).toBe('Todo: ship')
    n.actions.find((x) => x.label === 'Re-apply my text')!.run()
    await settle(room)
    expect(b.editor.getShape(id)!.text).toBe('Todo: ship')
    expect(again.drafts.all()).toEqual({})
  })

  it('a draft the server already has is cleared silently; dismissing an offer discards it', async () => {
    const room = new FakeRoom()
    const a = user(room, 'A')
    const saved = await sticky(room, a, 'Done')
    const other = await sticky(room, a, 'Old')
    const disk = memoryStorage()
    const store = new DraftStore(ROOM, disk)
    store.put(saved, { draft: 'Done', baseText: '', baseVersion: 0 })
    store.put(other, { draft: 'New', baseText: 'Old', baseVersion: 1 })
    const again = user(room, 'A', disk)
    again.text.recoverDrafts()
    expect(again.editor.notices).toHaveLength(1)
    expect(again.drafts.get(saved)).toBeUndefined()
    const n = again.editor.notices[0]!
    expect(n.draft).toBe('New')
    n.onDismiss!()
    expect(again.drafts.all()).toEqual({})
  })

  it('a draft for a shape deleted since is offered to copy only', async () => {
    const room = new FakeRoom()
    const a = user(room, 'A')
    const id = await sticky(room, a, 'Gone')
    a.editor.deleteShapes([id])
    await settle(room)
    const disk = memoryStorage()
    new DraftStore(ROOM, disk).put(id, { draft: 'Gone soon', baseText: 'Gone', baseVersion: 1 })
    const again = user(room, 'A', disk)
    again.text.recoverDrafts()
    expect(again.editor.notices[0]).toMatchObject({ draft: 'Gone soon', actions: [] })
    expect(again.editor.notices[0]!.text).toMatch(/deleted/)
  })

  it('answers to text commits replayed after the reload match the draft offer instead of adding a notice', async () => {
    const room = new FakeRoom()
    const a = user(room, 'A')
    const one = await sticky(room, a, 'One')
    const two = await sticky(room, a, 'Two')
    const disk = memoryStorage()
    const store = new DraftStore(ROOM, disk)
    store.put(one, { draft: 'One!', baseText: 'One', baseVersion: 1 })
    store.put(two, { draft: 'Two!', baseText: 'Two', baseVersion: 1 })
    const again = user(room, 'A', disk)
    again.text.recoverDrafts()
    expect(again.editor.notices).toHaveLength(2)
    const replayed = (shapeId: string, value: string): PendingCommit => ({
      label: 'text edit',
      queuedAt: 0,
      request: { opId: `op-${shapeId}`, ops: [{ shapeId, field: 'text', baseVersion: 1, value }], token: 1 },
    })
    // The first had been applied before the tab closed: its offer goes away.
    expect(again.text.handleOrphanResult(replayed(one, 'One!'), { status: 'ok', versions: [2] })).toBe(true)
    expect(again.drafts.get(one)).toBeUndefined()
    expect(again.editor.notices.map((n) => n.draft)).toEqual(['Two!'])
    // The second is refused (the lease ended with the old socket): the offer already says so.
    const refused = { status: 'error', code: 'stale_token', message: 'needs the lease' } as const
    expect(again.text.handleOrphanResult(replayed(two, 'Two!'), refused)).toBe(true)
    expect(again.editor.notices).toHaveLength(1)
    // Other commits are not text edits: the generic report stays in charge.
    expect(again.text.handleOrphanResult({ ...replayed(two, 'x'), label: 'delete' }, refused)).toBe(false)
  })
})
