import { describe, expect, it } from 'vitest'
import { FakeRoom } from '../testing/FakeRoom.ts'
import type { Editor } from './Editor.ts'
import type { PointerInfo } from './tools/index.ts'
import { roomEditor, settle } from './testPeer.ts'

function setup(names: string[]) {
  const room = new FakeRoom()
  const users = names.map((name) => roomEditor(room, name).editor)
  return { room, users: users as [Editor, Editor] }
}

function drag(editor: Editor, from: [number, number], to: [number, number]) {
  const at = (x: number, y: number): PointerInfo => editor.pointerInfo({ x, y })
  editor.pointerDown(at(...from))
  for (let i = 1; i <= 4; i++)
    editor.pointerMove(at(from[0] + ((to[0] - from[0]) * i) / 4, from[1] + ((to[1] - from[1]) * i) / 4))
  editor.pointerUp(at(...to))
}

describe('locked shapes', () => {
  it('cannot be selected, moved, resized or deleted by anyone until unlocked; the change is committed', async () => {
    const { room, users } = setup(['A', 'B'])
    const [a, b] = users
    const id = a.createShape('rect', { x: 100, y: 100, w: 100, h: 100 })
    const other = a.createShape('rect', { x: 400, y: 100, w: 50, h: 50 })
    await settle(room)
    b.select([id])
    a.select([id])
    a.lockSelected()
    // Optimistic for A at once, committed, then seen by B, whose selection drops it.
    expect(a.getShape(id)?.locked).toBe(true)
    expect(a.selectedIds.size).toBe(0)
    await settle(room)
    expect(b.readCommitted(id)).toMatchObject({ locked: true, versions: { locked: 1 } })
    expect(b.selectedIds.size).toBe(0)

    for (const editor of [a, b]) {
      // A drag starting on it is a marquee, not a move.
      drag(editor, [150, 150], [260, 260])
      expect(editor.getShape(id)).toMatchObject({ x: 100, y: 100, w: 100, h: 100 })
      expect(editor.selectedIds.has(id)).toBe(false)
      // A click does not select it; a marquee over it and select-all leave it out.
      editor.pointerDown(editor.pointerInfo({ x: 150, y: 150 }))
      editor.pointerUp(editor.pointerInfo({ x: 150, y: 150 }))
      expect(editor.selectedIds.size).toBe(0)
      drag(editor, [50, 50], [500, 300])
      expect([...editor.selectedIds]).toEqual([other])
      editor.selectAll()
      expect([...editor.selectedIds]).toEqual([other])
      editor.select([id])
      editor.deleteSelected()
      editor.nudgeSelected(10, 10)
    }
    await settle(room)
    expect(b.getShape(id)).toMatchObject({ x: 100, y: 100, deleted: false, locked: true })

    // Unlocking (by anyone) makes it selectable and movable again.
    b.setLocked([id], false)
    await settle(room)
    expect(a.getShape(id)?.locked).toBe(false)
    drag(a, [150, 150], [180, 190])
    expect(a.getShape(id)).toMatchObject({ x: 130, y: 140 })
  })

  it('lock is one undo step (undo unlocks through a commit)', async () => {
    const { room, users } = setup(['A', 'B'])
    const [a, b] = users
    const id = a.createShape('sticky', { x: 0, y: 0, w: 200, h: 200 })
    await settle(room)
    a.setLocked([id], true)
    await settle(room)
    expect(b.getShape(id)?.locked).toBe(true)
    a.undo()
    await settle(room)
    expect(b.readCommitted(id)).toMatchObject({ locked: false, versions: { locked: 2 } })
    a.redo()
    await settle(room)
    expect(b.getShape(id)?.locked).toBe(true)
  })

  it('locking what is already locked commits nothing and adds no undo step', async () => {
    const { room, users } = setup(['A', 'B'])
    const [a] = users
    const id = a.createShape('rect', { x: 0, y: 0, w: 20, h: 20 })
    await settle(room)
    a.setLocked([id], true)
    await settle(room)
    a.setLocked([id], true)
    await settle(room)
    expect(a.readCommitted(id)?.versions.locked).toBe(1)
    a.undo()
    await settle(room)
    expect(a.getShape(id)?.locked).toBe(false)
  })

  it('locking several shapes while someone locks one of them first still locks the others', async () => {
    const { room, users } = setup(['A', 'B'])
    const [a, b] = users
    const ids = [0, 1, 2].map((i) => a.createShape('rect', { x: i * 50, y: 0, w: 20, h: 20 }))
    await settle(room)
    b.setLocked([ids[0]!], true) // reaches the server first
    a.setLocked(ids, true)
    await settle(room)
    await settle(room)
    for (const id of ids) expect(b.getShape(id)?.locked).toBe(true)
    expect(a.notices).toEqual([])
  })
})
