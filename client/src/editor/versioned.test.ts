import { describe, expect, it } from 'vitest'
import { FakeRoom } from '../testing/FakeRoom.ts'
import { TextEditing } from './TextEditing.ts'
import { roomEditor, settle } from './testPeer.ts'

function setup(names: string[]) {
  const room = new FakeRoom()
  const users = names.map((name) => {
    const { peer, editor } = roomEditor(room, name)
    const text = new TextEditing(editor, peer, 0)
    return { peer, editor, text }
  })
  return { room, users }
}

describe('versioned delete', () => {
  it('hides at once, commits, and undo restores through another commit', async () => {
    const { room, users } = setup(['A', 'B'])
    const [a, b] = users as [(typeof users)[0], (typeof users)[0]]
    const id = a.editor.createShape('rect', { x: 0, y: 0, w: 50, h: 50 })
    a.editor.deleteShapes([id])
    expect(a.editor.getShape(id)).toBeUndefined() // optimistic
    expect(b.editor.getShape(id)).toBeDefined() // not applied anywhere else yet
    await settle(room)
    expect(b.editor.getShape(id)).toBeUndefined()
    expect(a.editor.readCommitted(id)).toMatchObject({ deleted: true, versions: { deleted: 1 } })
    a.editor.undo()
    await settle(room)
    expect(b.editor.getShape(id)).toMatchObject({ deleted: false, versions: { deleted: 2 } })
    a.editor.redo()
    await settle(room)
    expect(b.editor.getShape(id)).toBeUndefined()
  })

  it('undo and redo pressed before the delete is answered are not lost: each goes after the one before', async () => {
    const { room, users } = setup(['A', 'B'])
    const [a, b] = users as [(typeof users)[0], (typeof users)[0]]
    const id = a.editor.createShape('rect', { x: 0, y: 0, w: 50, h: 50 })
    await settle(room)
    a.editor.deleteShapes([id])
    a.editor.undo() // at once: the delete is still in flight
    expect(a.editor.getShape(id)).toBeDefined()
    await settle(room)
    for (const u of [a, b])
      expect(u.editor.getShape(id)).toMatchObject({ deleted: false, versions: { deleted: 2 } })
    expect(a.editor.notices).toEqual([])
    a.editor.redo()
    a.editor.undo()
    a.editor.redo()
    expect(a.editor.getShape(id)).toBeUndefined()
    await settle(room)
    for (const u of [a, b]) expect(u.editor.getShape(id)).toBeUndefined()
    expect(a.editor.readCommitted(id)).toMatchObject({ deleted: true, versions: { deleted: 5 } })
    expect(a.editor.notices).toEqual([])
  })

  it('a delete racing a text change is refused: the shape stays, the deleter is told who changed what', async () => {
    const { room, users } = setup(['A', 'B'])
    const [a, b] = users as [(typeof users)[0], (typeof users)[0]]
    const id = a.editor.createShape('sticky', { x: 0, y: 0, w: 200, h: 200 })
    await settle(room)
    // B edits the text under a lease...
    b.text.start(id)
    await settle(room)
    expect(b.text.editing?.shapeId).toBe(id)
    b.text.input('Budget')
    await Promise.all([b.text.stop(), settle(room)])
    await settle(room)
    // ... while A, who has not seen that yet, deletes the shape.
    const stale = a.editor.readCommitted(id)!
    expect(b.editor.getShape(id)!.text).toBe('Budget')
    // Simulate A not having received B's text: A's expectation is text version 0.
    a.editor.commit(
      {
        opId: 'op-stale-delete',
        ops: [{ shapeId: id, field: 'deleted', baseVersion: 0, value: true }],
        expect: [
          { shapeId: id, field: 'text', version: stale.versions.text === 1 ? 0 : stale.versions.text },
        ],
      },
      'delete the sticky note',
      () => false,
      () => a.editor.deleteShapes([id]),
    )
    await settle(room)
    expect(a.editor.getShape(id)).toMatchObject({ text: 'Budget', deleted: false })
    expect(a.editor.notices).toHaveLength(1)
    expect(a.editor.notices[0]!.text).toMatch(/B changed the text .*“Budget”/)
    // "Delete anyway" deletes with the versions A now sees.
    a.editor.notices[0]!.actions[0]!.run()
    await settle(room)
    expect(b.editor.getShape(id)).toBeUndefined()
  })

  it('deleting a shape someone is editing is refused with their name', async () => {
    const { room, users } = setup(['A', 'B'])
    const [a, b] = users as [(typeof users)[0], (typeof users)[0]]
    const id = a.editor.createShape('sticky', { x: 0, y: 0, w: 200, h: 200 })
    await settle(room)
    b.text.start(id)
    await settle(room)
    a.editor.deleteShapes([id])
    await settle(room)
    expect(a.editor.getShape(id)).toBeDefined()
    expect(a.editor.notices.at(-1)).toMatchObject({ kind: 'locked' })
    expect(a.editor.notices.at(-1)!.text).toMatch(/B is editing/)
  })
})

describe('arrow bindings', () => {
  it('an arrow drawn between two shapes binds both ends and follows either shape when it moves', async () => {
    const { room, users } = setup(['A', 'B'])
    const [a, b] = users as [(typeof users)[0], (typeof users)[0]]
    a.editor.setViewportSize(1000, 800)
    const left = a.editor.createShape('rect', { x: 0, y: 0, w: 100, h: 100 })
    const right = a.editor.createShape('rect', { x: 400, y: 0, w: 100, h: 100 })
    a.editor.setTool('arrow')
    const drag = (from: [number, number], to: [number, number]) => {
      a.editor.pointerDown(a.editor.pointerInfo({ x: from[0], y: from[1] }))
      a.editor.pointerMove(a.editor.pointerInfo({ x: to[0], y: to[1] }))
      a.editor.pointerUp(a.editor.pointerInfo({ x: to[0], y: to[1] }))
    }
    drag([50, 50], [450, 50])
    await settle(room)
    const arrow = b.editor.getShapes().find((s) => s.kind === 'arrow')!
    expect(arrow.binding).toEqual({ start: left, end: right })
    expect(arrow.x).toBe(106) // on the left shape's edge (plus the gap)
    // B moves the right shape down: the arrow's end follows, for both.
    b.editor.updateShapes([{ id: right, props: { y: 300 } }])
    await settle(room)
    for (const u of [a, b]) {
      const ar = u.editor.getShape(arrow.id)!
      const endY = ar.y + ar.points![3]!
      expect(endY).toBeGreaterThan(250)
    }
  })
})

describe('text editing under a lease', () => {
  it('only one user edits at a time; the other can wait and gets it when it frees', async () => {
    const { room, users } = setup(['A', 'B'])
    const [a, b] = users as [(typeof users)[0], (typeof users)[0]]
    const id = a.editor.createShape('text', { x: 0, y: 0, w: 200, h: 40 })
    await settle(room)
    a.text.start(id)
    await settle(room)
    expect(a.text.editing).toMatchObject({ shapeId: id, token: 1 })
    b.text.start(id)
    await settle(room)
    expect(b.text.editing).toBeNull()
    expect(b.text.request).toMatchObject({ status: 'held', holderName: 'A' })
    b.text.wait()
    await settle(room)
    expect(b.text.request).toMatchObject({ status: 'waiting', position: 1 })
    a.text.input('Hello')
    await Promise.all([a.text.stop(), settle(room)])
    await settle(room)
    expect(b.text.editing).toMatchObject({ shapeId: id, token: 2, draft: 'Hello', baseVersion: 1 })
  })

  it('a holder whose lease expired cannot write; it keeps its draft in a notice and can re-apply', async () => {
    const { room, users } = setup(['A', 'B'])
    const [a, b] = users as [(typeof users)[0], (typeof users)[0]]
    const id = a.editor.createShape('sticky', { x: 0, y: 0, w: 200, h: 200 })
    await settle(room)
    a.text.start(id)
    await settle(room)
    a.text.input('first')
    await Promise.all([a.text.flush(), settle(room)])
    await settle(room)
    // A freezes past the TTL; B takes the lock and types.
    room.now = 20_000
    b.text.start(id)
    await settle(room)
    expect(b.text.editing?.token).toBe(2)
    b.text.input('B wins')
    await Promise.all([b.text.flush(), settle(room)])
    await settle(room)
    // A's tab wakes up; it types and tries to save with its old token.
    expect(a.text.editing).toBeNull() // told it lost the lease (expired)
    const notice = a.editor.notices.find((n) => n.kind === 'lease-lost')!
    expect(notice.text).toMatch(/lost the lock/)
    expect(a.editor.getShape(id)!.text).toBe('B wins')
    expect(b.editor.getShape(id)!.text).toBe('B wins')
  })
})

describe('grouping', () => {
  it('groups atomically, selects as one, undoes, and reports a concurrent regrouping', async () => {
    const { room, users } = setup(['A', 'B'])
    const [a, b] = users as [(typeof users)[0], (typeof users)[0]]
    a.editor.setViewportSize(1000, 800)
    const r1 = a.editor.createShape('rect', { x: 0, y: 0, w: 50, h: 50 })
    const r2 = a.editor.createShape('rect', { x: 100, y: 0, w: 50, h: 50 })
    const r3 = a.editor.createShape('rect', { x: 200, y: 0, w: 50, h: 50 })
    await settle(room)
    a.editor.select([r1, r2])
    a.editor.groupSelected()
    await settle(room)
    const g = b.editor.getShape(r1)!.parent
    expect(g).toBeTruthy()
    expect(b.editor.getShape(r2)!.parent).toBe(g)
    // Clicking one member selects the whole group.
    a.editor.select([])
    a.editor.pointerDown(a.editor.pointerInfo({ x: 25, y: 25 }))
    a.editor.pointerUp(a.editor.pointerInfo({ x: 25, y: 25 }))
    expect(new Set(a.editor.selectedIds)).toEqual(new Set([r1, r2]))
    a.editor.undo()
    await settle(room)
    expect(b.editor.getShape(r1)!.parent).toBeNull()
    // Both group r3 with something at the same time: one wins, the other is told.
    a.editor.select([r2, r3])
    b.editor.select([r1, r3])
    a.editor.groupSelected()
    b.editor.groupSelected()
    await settle(room)
    const notices = [...a.editor.notices, ...b.editor.notices]
    expect(notices).toHaveLength(1)
    expect(notices[0]!.kind).toBe('conflict')
    expect(a.editor.getShape(r3)!.parent).toBe(b.editor.getShape(r3)!.parent)
  })
})

describe('creating shapes with a commit authority', () => {
  it('undo of a creation is a versioned delete; redo brings it back; pasted notes keep their text', async () => {
    const { room, users } = setup(['A', 'B'])
    const [a, b] = users as [(typeof users)[0], (typeof users)[0]]
    a.editor.setViewportSize(1000, 800)
    a.editor.setTool('rect')
    a.editor.pointerDown(a.editor.pointerInfo({ x: 10, y: 10 }))
    a.editor.pointerMove(a.editor.pointerInfo({ x: 60, y: 40 }))
    a.editor.pointerMove(a.editor.pointerInfo({ x: 110, y: 90 }))
    a.editor.pointerUp(a.editor.pointerInfo({ x: 110, y: 90 }))
    await settle(room)
    const id = b.editor.getShapes()[0]!.id
    expect(b.editor.getShape(id)).toMatchObject({ w: 100, h: 80 })
    // One undo step removes the whole drawn shape (creation and its drawing-out), via a commit.
    a.editor.undo()
    await settle(room)
    expect(b.editor.getShape(id)).toBeUndefined()
    expect(b.editor.readCommitted(id)).toMatchObject({ deleted: true })
    a.editor.redo()
    await settle(room)
    expect(b.editor.getShape(id)).toMatchObject({ w: 100, h: 80, deleted: false })

    const note = a.editor.createShape('sticky', { x: 0, y: 200, w: 200, h: 200 })
    a.editor.finishCreating(note)
    await settle(room)
    a.text.start(note)
    await settle(room)
    a.text.input('Copy me')
    await Promise.all([a.text.stop(), settle(room)])
    await settle(room)
    a.editor.select([note])
    const clip = a.editor.copySelection()!
    const [copy] = b.editor.paste(JSON.parse(JSON.stringify(clip)), { x: 500, y: 500 })
    await settle(room)
    expect(a.editor.getShape(copy!)).toMatchObject({ kind: 'sticky', text: 'Copy me' })
  })
})
