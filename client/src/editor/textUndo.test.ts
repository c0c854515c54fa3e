import { describe, expect, it } from 'vitest'
import { STICKY_PADDING } from '../shapes/sticky/index.tsx'
import { memoryStorage } from '../sync/roomStorage.ts'
import { FakeRoom } from '../testing/FakeRoom.ts'
import { DraftStore } from './drafts.ts'
import { TextEditing } from './TextEditing.ts'
import { roomEditor, settle } from './testPeer.ts'

function user(room: FakeRoom, name: string) {
  const { peer, editor } = roomEditor(room, name)
  const text = new TextEditing(editor, peer, 0, new DraftStore('r1', memoryStorage()))
  return { peer, editor, text }
}
type User = ReturnType<typeof user>

/** One edit session: open, type each of `drafts` with the commits answered in between, leave. */
async function edit(room: FakeRoom, u: User, id: string, ...drafts: string[]) {
  u.text.start(id)
  await settle(room)
  for (const d of drafts) {
    u.text.input(d)
    await settle(room)
  }
  await Promise.all([u.text.stop(), settle(room)])
  await settle(room)
}

/** A and B on a sticky note "old" (not just created: its creation is no longer A's last step). */
async function setup() {
  const room = new FakeRoom()
  const a = user(room, 'A')
  const b = user(room, 'B')
  const id = a.editor.createShape('sticky', { x: 0, y: 0, w: 200, h: 200 })
  a.editor.finishCreating(null)
  await settle(room)
  await edit(room, a, id, 'old')
  // An older, unrelated change of A's: the stroke colour.
  a.editor.updateShapes([{ id, props: { stroke: '#e03131' } }])
  a.editor.undoManager.stopCapturing()
  await settle(room)
  return { room, a, b, id }
}

const textOf = (u: User, id: string) => u.editor.getShape(id)?.text

describe('text edits in the undo history', () => {
  it('undo restores the text before the session through a commit under the lease, redo its text', async () => {
    const { room, a, b, id } = await setup()
    // Several commits in one session ("n", "ne", "new"), one step.
    await edit(room, a, id, 'n', 'ne', 'new')
    expect(textOf(b, id)).toBe('new')
    const fields = async () => (await room.fields()).get(`${id}:text`)
    const committed = (await fields())!.version

    a.editor.undo()
    await settle(room)
    expect(textOf(a, id)).toBe('old')
    expect(textOf(b, id)).toBe('old')
    // A versioned commit (a new version, by A), under a lease that is given back afterwards.
    expect(await fields()).toMatchObject({ value: 'old', by: 'A', version: committed + 1 })
    expect(room.leaseInfos()).toEqual([])
    // The older, unrelated change is not reverted.
    expect(a.editor.getShape(id)!.stroke).toBe('#e03131')
    expect(b.editor.getShape(id)!.stroke).toBe('#e03131')
    expect(a.editor.notices).toEqual([])

    a.editor.redo()
    await settle(room)
    expect(textOf(b, id)).toBe('new')
    expect(room.leaseInfos()).toEqual([])

    // Undo twice: the whole text edit (not back to "ne"), then the stroke colour.
    a.editor.undo()
    await settle(room)
    expect(textOf(b, id)).toBe('old')
    expect(b.editor.getShape(id)!.stroke).toBe('#e03131')
    a.editor.undo()
    await settle(room)
    expect(textOf(b, id)).toBe('old')
    expect(b.editor.getShape(id)!.stroke).toBe('#1e1e1e')
  })

  it('undo after someone else changed the text since: a conflict notice, and their text stays', async () => {
    const { room, a, b, id } = await setup()
    await edit(room, a, id, 'mine')
    await edit(room, b, id, 'theirs')
    a.editor.undo()
    await settle(room)
    expect(textOf(a, id)).toBe('theirs')
    expect(textOf(b, id)).toBe('theirs')
    const notice = a.editor.notices.find((n) => n.kind === 'conflict')!
    expect(notice.text).toContain('B changed the text')
    expect(notice.text).toContain('not undone')
    // The older, unrelated change is not reverted instead.
    expect(b.editor.getShape(id)!.stroke).toBe('#e03131')
    // "Undo anyway" writes it over theirs, under the lease.
    notice.actions.find((x) => x.label === 'Undo anyway')!.run()
    await settle(room)
    expect(textOf(b, id)).toBe('old')
    expect(room.leaseInfos()).toEqual([])
  })

  it('undo while someone else is editing the text: a notice, nothing written', async () => {
    const { room, a, b, id } = await setup()
    await edit(room, a, id, 'mine')
    b.text.start(id)
    await settle(room)
    expect(room.leaseInfos().map((l) => l.holderName)).toEqual(['B'])
    a.editor.undo()
    await settle(room)
    expect(a.editor.notices.at(-1)!.text).toContain('B is editing')
    b.text.input('mine, and more')
    await Promise.all([b.text.stop(), settle(room)])
    await settle(room)
    expect(textOf(a, id)).toBe('mine, and more')
    expect(a.editor.getShape(id)!.stroke).toBe('#e03131')
  })

  it('undo right after leaving the editor, before the save is answered, undoes the text edit', async () => {
    const { room, a, b, id } = await setup()
    a.text.start(id)
    await settle(room)
    a.text.input('quick')
    // Left and undone at once: the commit is still on its way.
    const stopped = a.text.stop()
    a.editor.undo()
    await Promise.all([stopped, settle(room)])
    await settle(room)
    expect(textOf(b, id)).toBe('old')
    expect(b.editor.getShape(id)!.stroke).toBe('#e03131')
    expect(a.editor.notices).toEqual([])
  })

  it("a new note's first text is part of making it: one undo removes the note, redo brings it back", async () => {
    const room = new FakeRoom()
    const a = user(room, 'A')
    const b = user(room, 'B')
    a.editor.setTool('sticky')
    a.editor.pointerDown(a.editor.pointerInfo({ x: 300, y: 300 }))
    a.editor.pointerUp(a.editor.pointerInfo({ x: 300, y: 300 }))
    await settle(room)
    const id = a.text.editing!.shapeId
    a.text.input('hello')
    await Promise.all([a.text.stop(), settle(room)])
    await settle(room)
    expect(textOf(b, id)).toBe('hello')
    a.editor.undo()
    await settle(room)
    expect(b.editor.getShape(id)).toBeUndefined()
    expect(a.editor.canUndo()).toBe(false)
    a.editor.redo()
    await settle(room)
    expect(textOf(b, id)).toBe('hello')
  })
})

describe('shapes follow their committed text', () => {
  it('a note grows for 12 lines and a text box to its text, for everyone, in no undo step of its own', async () => {
    const room = new FakeRoom()
    const a = user(room, 'A')
    const b = user(room, 'B')
    const note = a.editor.createShape('sticky', { x: 0, y: 0, w: 200, h: 200 })
    const text = a.editor.createShape('text', { x: 0, y: 300, w: 20, h: 25, fontSize: 20 })
    await settle(room)
    const twelve = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n')
    await edit(room, a, note, twelve)
    await edit(room, a, text, 'word '.repeat(100).trim())
    expect(b.editor.getShape(note)!.h).toBe(12 * 25 + 2 * STICKY_PADDING)
    const t = b.editor.getShape(text)!
    // Fallback measure in Node: 12 px per character; 24 ems wide at most, then it wraps.
    expect(t.w).toBeGreaterThan(400)
    expect(t.w).toBeLessThanOrEqual(480)
    expect(t.h).toBeGreaterThan(25 * 10)
    expect(t.h % 25).toBe(0)
    // Undo the text's edit: back to its one-em box; then the note's: its text, at the height it has.
    a.editor.undo()
    await settle(room)
    expect(b.editor.getShape(text)).toMatchObject({ text: '', w: 20, h: 25 })
    a.editor.undo()
    await settle(room)
    expect(b.editor.getShape(note)!.text).toBe('')
    expect(a.editor.canUndo()).toBe(false)
  })
})
