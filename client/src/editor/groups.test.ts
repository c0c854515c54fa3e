import { describe, expect, it } from 'vitest'
import { FakeRoom } from '../testing/FakeRoom.ts'
import { doubleClickAt } from './doubleClick.ts'
import { selectionOutlines } from './groups.ts'
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

type User = ReturnType<typeof setup>['users'][number]

const click = (u: User, x: number, y: number, shift = false) => {
  u.editor.pointerDown(u.editor.pointerInfo({ x, y }, { shift }))
  u.editor.pointerUp(u.editor.pointerInfo({ x, y }, { shift }))
}
/** Two clicks and the dblclick the canvas turns into `doubleClickAt`. */
const dblclick = (u: User, x: number, y: number) => {
  click(u, x, y)
  click(u, x, y)
  return doubleClickAt(u.editor, u.editor.pointerInfo({ x, y }).page, (id) => u.text.start(id))
}
const drag = (u: User, from: [number, number], to: [number, number]) => {
  u.editor.pointerDown(u.editor.pointerInfo({ x: from[0], y: from[1] }))
  u.editor.pointerMove(u.editor.pointerInfo({ x: (from[0] + to[0]) / 2, y: (from[1] + to[1]) / 2 }))
  u.editor.pointerMove(u.editor.pointerInfo({ x: to[0], y: to[1] }))
  u.editor.pointerUp(u.editor.pointerInfo({ x: to[0], y: to[1] }))
}
const selected = (u: User) => new Set(u.editor.selectedIds)

/** A and B; A grouped a rectangle (0..100) and a sticky (200..400); a loose rectangle at 600. */
async function grouped() {
  const { room, users } = setup(['A', 'B'])
  const [a, b] = users as [User, User]
  const rect = a.editor.createShape('rect', { x: 0, y: 0, w: 100, h: 100 })
  const note = a.editor.createShape('sticky', { x: 200, y: 0, w: 200, h: 200 })
  const loose = a.editor.createShape('rect', { x: 600, y: 0, w: 100, h: 100 })
  await settle(room)
  a.editor.select([rect, note])
  a.editor.groupSelected()
  await settle(room)
  a.editor.select([])
  return { room, a, b, rect, note, loose, group: a.editor.getShape(rect)!.parent! }
}

describe('entering a group', () => {
  it('a click selects the whole group; a double-click enters it and selects the member under the pointer', async () => {
    const { a, rect, note, group } = await grouped()
    click(a, 50, 50)
    expect(selected(a)).toEqual(new Set([rect, note]))
    expect(a.editor.groups.entered).toBeNull()
    expect(dblclick(a, 50, 50)).toBe('entered')
    expect(a.editor.groups.entered).toBe(group)
    expect(selected(a)).toEqual(new Set([rect]))
    // Inside, the next click picks one member, and shift-click adds one.
    click(a, 300, 100)
    expect(selected(a)).toEqual(new Set([note]))
    click(a, 50, 50, true)
    expect(selected(a)).toEqual(new Set([note, rect]))
    expect(a.editor.groups.entered).toBe(group)
  })

  it('a drag inside the entered group moves that member alone; the other user sees only it move', async () => {
    const { room, a, b, rect, note } = await grouped()
    dblclick(a, 50, 50)
    drag(a, [50, 50], [50, 350])
    await settle(room)
    expect(b.editor.getShape(rect)).toMatchObject({ x: 0, y: 300 })
    expect(b.editor.getShape(note)).toMatchObject({ x: 200, y: 0 })
    // It is still a member of the group: outside the group again, a click picks both.
    a.editor.select([])
    click(a, 300, 100)
    expect(selected(a)).toEqual(new Set([rect, note]))
  })

  it('Esc (nothing selected), a click on empty canvas or on another shape leaves the group', async () => {
    const { a, rect, note, loose } = await grouped()
    dblclick(a, 50, 50)
    a.editor.select([]) // what Esc does
    expect(a.editor.groups.entered).toBeNull()
    click(a, 50, 50)
    expect(selected(a)).toEqual(new Set([rect, note]))

    dblclick(a, 50, 50)
    click(a, 500, 500)
    expect(a.editor.groups.entered).toBeNull()
    click(a, 300, 100)
    expect(selected(a)).toEqual(new Set([rect, note]))

    dblclick(a, 50, 50)
    click(a, 650, 50)
    expect(selected(a)).toEqual(new Set([loose]))
    expect(a.editor.groups.entered).toBeNull()
  })

  it('double-clicking a note of a group enters it first; double-clicking it inside edits its text', async () => {
    const { a, note, group } = await grouped()
    expect(dblclick(a, 300, 100)).toBe('entered')
    expect(a.text.editing).toBeNull()
    expect(a.editor.groups.entered).toBe(group)
    expect(dblclick(a, 300, 100)).toBe('edit')
    expect(a.text.editing?.shapeId).toBe(note)
  })

  it('the group under the pointer is tracked for its faint frame', async () => {
    const { a, group } = await grouped()
    a.editor.pointerMove(a.editor.pointerInfo({ x: 50, y: 50 }))
    expect(a.editor.groups.hovered).toBe(group)
    a.editor.pointerMove(a.editor.pointerInfo({ x: 650, y: 50 }))
    expect(a.editor.groups.hovered).toBeNull()
  })
})

describe('selection outlines', () => {
  it('a selected group has one frame around all members; a multi-selection one outline per shape', async () => {
    const { a, rect, note, loose, group } = await grouped()
    const outlines = () => selectionOutlines(a.editor.getSelectedShapes(), a.editor.groups)
    a.editor.select([rect, note])
    expect(outlines()).toEqual({ groups: [{ id: group, box: { x: 0, y: 0, w: 400, h: 200 } }], shapes: [] })
    a.editor.select([rect, loose])
    expect(outlines()).toEqual({
      groups: [],
      shapes: [
        { id: rect, box: { x: 0, y: 0, w: 100, h: 100 } },
        { id: loose, box: { x: 600, y: 0, w: 100, h: 100 } },
      ],
    })
    a.editor.select([rect, note, loose])
    expect(outlines().groups.map((g) => g.id)).toEqual([group])
    expect(outlines().shapes.map((s) => s.id)).toEqual([loose])
    // A lone shape has its selection frame only.
    a.editor.select([loose])
    expect(outlines()).toEqual({ groups: [], shapes: [] })
  })
})

describe('double-click on empty canvas', () => {
  it('creates a text there with its editor open; the other user sees what was typed', async () => {
    const { room, a, b } = setupPair()
    expect(dblclick(a, 300, 200)).toBe('created')
    const [t] = a.editor.getShapes()
    expect(t).toMatchObject({ kind: 'text', x: 300 })
    expect(a.text.editing?.shapeId).toBe(t!.id)
    expect(selected(a)).toEqual(new Set([t!.id]))
    await settle(room)
    a.text.input('Hello')
    await Promise.all([a.text.stop(), settle(room)])
    await settle(room)
    expect(b.editor.getShape(t!.id)?.text).toBe('Hello')
  })

  it('a text left empty is deleted when its editor closes, leaving no undo step behind', async () => {
    const { room, a, b } = setupPair()
    a.editor.setTool('rect')
    drag(a, [0, 0], [100, 100])
    const [rect] = a.editor.selectedIds
    a.editor.setTool('select')
    await settle(room)
    expect(b.editor.getShape(rect!)).toBeDefined()
    dblclick(a, 300, 200)
    await settle(room)
    const id = a.text.editing!.shapeId
    await Promise.all([a.text.stop(), settle(room)])
    await settle(room)
    expect(a.editor.getShape(id)).toBeUndefined()
    expect(b.editor.getShape(id)).toBeUndefined()
    // The next undo undoes what the user did before the stray double-click.
    a.editor.undo()
    await settle(room)
    expect(b.editor.getShape(rect!)).toBeUndefined()
    expect(a.editor.getShape(id)).toBeUndefined()
  })

  it('creates nothing with a drawing tool, nor on a shape', async () => {
    const { a } = setupPair()
    const id = a.editor.createShape('rect', { x: 0, y: 0, w: 100, h: 100 })
    expect(dblclick(a, 50, 50)).toBeNull()
    a.editor.setTool('pen')
    expect(doubleClickAt(a.editor, { x: 500, y: 500 }, () => {})).toBeNull()
    expect(a.editor.getShapes().map((s) => s.id)).toEqual([id])
  })
})

function setupPair() {
  const { room, users } = setup(['A', 'B'])
  const [a, b] = users as [User, User]
  return { room, a, b }
}
