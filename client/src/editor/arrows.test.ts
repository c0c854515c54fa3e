import { describe, expect, it } from 'vitest'
import type { Shape } from '@easel/shared'
import { FakeRoom } from '../testing/FakeRoom.ts'
import type { Editor } from './Editor.ts'
import { lineEnds } from './geometry.ts'
import { roomEditor, settle } from './testPeer.ts'

/** Two users on one board, A with a 100 × 100 square at (0, 0) and (400, 0) and an ellipse below. */
function setup() {
  const room = new FakeRoom()
  const [a, b] = ['A', 'B'].map((name) => roomEditor(room, name).editor) as [Editor, Editor]
  const left = a.createShape('rect', { x: 0, y: 0, w: 100, h: 100 })
  const right = a.createShape('rect', { x: 400, y: 0, w: 100, h: 100 })
  const oval = a.createShape('ellipse', { x: 300, y: 300, w: 200, h: 100 })
  return { room, a, b, left, right, oval }
}

const at = (e: Editor, x: number, y: number, mods = {}) => e.pointerInfo({ x, y }, mods)

function drag(e: Editor, from: [number, number], to: [number, number], mods = {}) {
  e.pointerDown(at(e, ...from, mods))
  for (let i = 1; i <= 4; i++) {
    const t = i / 4
    e.pointerMove(at(e, from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t, mods))
  }
  e.pointerUp(at(e, ...to, mods))
}

/** Draws an arrow from `from` to `to` with A's arrow tool; returns its id (it is then selected). */
function drawArrow(e: Editor, from: [number, number], to: [number, number]): string {
  e.setTool('arrow')
  drag(e, from, to)
  const [id] = e.selectedIds
  expect(e.getShape(id!)?.kind).toBe('arrow')
  return id!
}

const ends = (s: Shape) => lineEnds(s).map((p) => ({ x: Math.round(p.x), y: Math.round(p.y) }))

describe('arrows: dragging the body', () => {
  it('detaches both ends, right after drawing too, so it stays where it was put (for both users)', async () => {
    const { room, a, b, left, right } = setup()
    const id = drawArrow(a, [50, 50], [450, 50])
    expect(a.getShape(id)!.binding).toEqual({ start: left, end: right })
    // Moved before the server has even answered the attachment.
    a.select([])
    drag(a, [250, 50], [250, 250], { mod: true }) // Ctrl: not snapped to the rectangle's edge
    await settle(room)
    for (const u of [a, b]) {
      expect(u.getShape(id)!.binding).toEqual({ start: null, end: null })
      expect(ends(u.getShape(id)!)).toEqual([
        { x: 106, y: 250 },
        { x: 394, y: 250 },
      ])
    }
    // Moving a shape it was attached to no longer pulls it back.
    a.updateShapes([{ id: right, props: { y: 300 } }])
    await settle(room)
    expect(ends(b.getShape(id)!)[1]).toEqual({ x: 394, y: 250 })
    expect(a.notices).toEqual([])
  })

  it('undo puts it back attached in one step, redo detaches it again', async () => {
    const { room, a, b, left, right } = setup()
    const id = drawArrow(a, [50, 50], [450, 50])
    await settle(room)
    a.select([])
    drag(a, [250, 50], [250, 250], { mod: true }) // Ctrl: not snapped to the rectangle's edge
    await settle(room)
    a.undo()
    await settle(room)
    expect(b.getShape(id)!.binding).toEqual({ start: left, end: right })
    expect(ends(b.getShape(id)!)).toEqual([
      { x: 106, y: 50 },
      { x: 394, y: 50 },
    ])
    a.redo()
    await settle(room)
    expect(b.getShape(id)!.binding).toEqual({ start: null, end: null })
    expect(ends(b.getShape(id)!)[0]).toEqual({ x: 106, y: 250 })
    // Undoing the move and then the drawing: the arrow is gone (the move was one step).
    a.undo()
    await settle(room)
    a.undo()
    await settle(room)
    expect(b.getShape(id)).toBeUndefined()
  })

  it('nudged with the keyboard, or resized with other shapes but not its own, it comes loose too', async () => {
    const { room, a, b, oval } = setup()
    const id = drawArrow(a, [50, 50], [450, 50])
    await settle(room)
    a.nudgeSelected(0, 10)
    await settle(room)
    expect(b.getShape(id)!.binding).toEqual({ start: null, end: null })
    expect(ends(b.getShape(id)!)[0]).toEqual({ x: 106, y: 60 })
    // One undo puts it back where it was, attached; one redo nudges and detaches it again.
    a.undo()
    await settle(room)
    expect(b.getShape(id)!.binding).not.toEqual({ start: null, end: null })
    expect(ends(b.getShape(id)!)[0]).toEqual({ x: 106, y: 50 })
    a.redo()
    await settle(room)
    expect(b.getShape(id)!.binding).toEqual({ start: null, end: null })
    expect(ends(b.getShape(id)!)[0]).toEqual({ x: 106, y: 60 })

    const id2 = drawArrow(a, [50, 50], [450, 50])
    await settle(room)
    a.setTool('select')
    a.select([id2, oval])
    // The frame runs from the arrow (x 106, y 50) to the ellipse's far corner (500, 400).
    drag(a, [500, 400], [600, 500])
    await settle(room)
    expect(b.getShape(id2)!.binding).toEqual({ start: null, end: null })
  })

  it('moved together with both its shapes, it stays attached', async () => {
    const { room, a, b, left, right } = setup()
    const id = drawArrow(a, [50, 50], [450, 50])
    await settle(room)
    a.setTool('select')
    a.select([left, right, id])
    drag(a, [50, 50], [50, 150], { mod: true })
    await settle(room)
    expect(b.getShape(id)!.binding).toEqual({ start: left, end: right })
    expect(ends(b.getShape(id)!)).toEqual([
      { x: 106, y: 150 },
      { x: 394, y: 150 },
    ])
  })
})

describe('arrows: endpoint handles', () => {
  it('a selected arrow shows a handle at each end and no frame, also when horizontal', async () => {
    const { room, a } = setup()
    const id = drawArrow(a, [150, 500], [450, 500])
    await settle(room)
    expect([...a.selectedIds]).toEqual([id])
    expect(a.tools.select.handles!()).toBeNull()
    expect(a.tools.select.endpoints!()).toEqual({
      start: { x: 150, y: 500 },
      end: { x: 450, y: 500 },
      active: null,
    })
    // Its middle is its body, not a stack of resize handles: a press there drags the arrow.
    a.pointerDown(at(a, 300, 500))
    a.pointerMove(at(a, 300, 540))
    expect(a.tools.select.state).toBe('dragging')
    a.pointerUp(at(a, 300, 540))
    expect(ends(a.getShape(id)!)).toEqual([
      { x: 150, y: 540 },
      { x: 450, y: 540 },
    ])
  })

  it("dragging an arrow's end onto another shape re-targets it, highlighted meanwhile; onto empty canvas detaches it", async () => {
    const { room, a, b, left, right, oval } = setup()
    const id = drawArrow(a, [50, 50], [450, 50])
    await settle(room)
    const end = ends(a.getShape(id)!)[1]!
    a.pointerDown(at(a, end.x, end.y))
    expect(a.tools.select.state).toBe('endpoint')
    a.pointerMove(at(a, 420, 330))
    expect(a.tools.select.bindTarget!()).toBe(oval)
    expect(a.tools.select.endpoints!()!.active).toBe('end')
    a.pointerMove(at(a, 400, 350))
    a.pointerUp(at(a, 400, 350))
    expect(a.tools.select.bindTarget!()).toBeNull()
    await settle(room)
    const arrow = b.getShape(id)!
    expect(arrow.binding).toEqual({ start: left, end: oval })
    // The end sits just off the ellipse (centre (400, 350), half axes 100 × 50), not its box.
    const [, e] = lineEnds(arrow)
    const r = Math.hypot((e!.x - 400) / 100, (e!.y - 350) / 50)
    expect(r).toBeGreaterThan(1)
    expect(r).toBeLessThan(1.15)
    // Now onto empty canvas: that end comes loose where it was dropped.
    a.pointerDown(at(a, e!.x, e!.y))
    a.pointerMove(at(a, 700, 600))
    expect(a.tools.select.bindTarget!()).toBeNull()
    a.pointerUp(at(a, 700, 600))
    await settle(room)
    expect(b.getShape(id)!.binding).toEqual({ start: left, end: null })
    expect(ends(b.getShape(id)!)[1]).toEqual({ x: 700, y: 600 })
    // Undo re-attaches to the ellipse, then to the first target, each end drag one step.
    a.undo()
    await settle(room)
    expect(b.getShape(id)!.binding).toEqual({ start: left, end: oval })
    a.undo()
    await settle(room)
    expect(b.getShape(id)!.binding).toEqual({ start: left, end: right })
    expect(ends(b.getShape(id)!)[1]).toEqual({ x: 394, y: 50 })
    a.redo()
    await settle(room)
    expect(b.getShape(id)!.binding).toEqual({ start: left, end: oval })
  })

  it('a click on an endpoint handle changes nothing', async () => {
    const { room, a, left, right } = setup()
    const id = drawArrow(a, [50, 50], [450, 50])
    await settle(room)
    const before = a.getShape(id)!
    const end = ends(before)[1]!
    a.pointerDown(at(a, end.x, end.y))
    a.pointerMove(at(a, end.x + 1, end.y))
    a.pointerUp(at(a, end.x + 1, end.y))
    await settle(room)
    expect(a.getShape(id)).toMatchObject({ binding: { start: left, end: right }, points: before.points })
  })

  it("a line's end moves alone (shift keeps 15° steps); escape puts it back", () => {
    const { a } = setup()
    a.setTool('line')
    drag(a, [600, 100], [800, 100])
    const id = a.getShapes().find((s) => s.kind === 'line')!.id
    drag(a, [800, 100], [800, 300])
    expect(ends(a.getShape(id)!)).toEqual([
      { x: 600, y: 100 },
      { x: 800, y: 300 },
    ])
    expect(a.getShape(id)!.binding).toEqual({ start: null, end: null })
    // Shift: 200 × 190 from the start is closest to 45°.
    drag(a, [600, 100], [600, 110], { shift: true })
    const [s, e] = lineEnds(a.getShape(id)!)
    expect(Math.abs(s!.x - e!.x)).toBeCloseTo(Math.abs(s!.y - e!.y), 6)
    a.pointerDown(at(a, e!.x, e!.y))
    a.pointerMove(at(a, 900, 700))
    a.cancel()
    expect(lineEnds(a.getShape(id)!)[1]!.x).toBeCloseTo(e!.x, 6)
  })
})

describe('arrows: drawing', () => {
  it('the shape an end would attach to is the tool’s bind target while drawing', () => {
    const { a, right } = setup()
    a.setTool('arrow')
    a.pointerDown(at(a, 50, 50))
    a.pointerMove(at(a, 200, 50))
    expect(a.tool.bindTarget!()).toBeNull()
    a.pointerMove(at(a, 450, 50))
    expect(a.tool.bindTarget!()).toBe(right)
    a.pointerUp(at(a, 450, 50))
    expect(a.tools.arrow.bindTarget!()).toBeNull()
    // A line does not attach, so nothing is highlighted.
    a.setTool('line')
    a.pointerMove(at(a, 450, 50))
    expect(a.tool.bindTarget?.() ?? null).toBeNull()
  })
})

describe('select tool: corner resize', () => {
  it('is free without shift and keeps the ratio with shift', () => {
    const { a, left } = setup()
    a.setTool('select')
    a.select([left])
    drag(a, [100, 100], [300, 150])
    expect(a.getShape(left)).toMatchObject({ x: 0, y: 0, w: 300, h: 150 })
    drag(a, [300, 150], [400, 400], { shift: true })
    const s = a.getShape(left)!
    expect(s.w / s.h).toBeCloseTo(2, 6)
  })
})
