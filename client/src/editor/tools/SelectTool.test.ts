import { describe, expect, it } from 'vitest'
import type { Shape } from '@easel/shared'
import { drag, flush, type Peer, peer } from '../testPeer.ts'

/** A 200 × 100 rectangle at (100, 100), selected, with the select tool. */
function selectedRect(p: Peer = peer()) {
  p.editor.setTool('rect')
  drag(p, [100, 100], [300, 200])
  return { p, id: p.editor.getShapes()[0]!.id }
}

/** Two 100 × 100 squares at (100, 100) and (300, 100), both selected, with the select tool. */
function twoSelectedRects(p: Peer = peer()) {
  p.editor.setToolLocked(true)
  p.editor.setTool('rect')
  drag(p, [100, 100], [200, 200])
  drag(p, [300, 100], [400, 200])
  p.editor.setToolLocked(false)
  p.editor.setTool('select')
  p.editor.selectAll()
  const [a, b] = p.editor.getShapes().map((s) => s.id)
  return { p, a: a!, b: b! }
}

/** A shape's geometry, rounded (the handles' arithmetic is floating point). */
const geo = (s: Shape | undefined) => {
  const r = (v: number | undefined) => (v === undefined ? v : Math.round(v * 1e6) / 1e6)
  return s && { x: r(s.x), y: r(s.y), w: r(s.w), h: r(s.h), rotation: r(s.rotation) }
}

const at = (p: Peer, x: number, y: number, mods = {}) => p.editor.pointerInfo({ x, y }, mods)

describe('select tool: resize handles', () => {
  it('dragging a corner resizes the selection keeping its ratio, live, as one undo step', () => {
    const { p, id } = selectedRect()
    p.editor.pointerDown(at(p, 300, 200))
    expect(p.editor.tools.select.state).toBe('resizing')
    p.editor.pointerMove(at(p, 400, 250))
    expect(geo(p.editor.getShape(id))).toMatchObject({ x: 100, y: 100, w: 300, h: 150 })
    flush(p)
    p.editor.pointerMove(at(p, 500, 300))
    p.editor.pointerUp(at(p, 500, 300))
    expect(p.editor.tools.select.state).toBe('idle')
    expect(geo(p.editor.getShape(id))).toMatchObject({ x: 100, y: 100, w: 400, h: 200 })
    expect([...p.editor.selectedIds]).toEqual([id])
    p.editor.undo()
    expect(geo(p.editor.getShape(id))).toMatchObject({ x: 100, y: 100, w: 200, h: 100 })
  })

  it('an edge handle changes one side; grabbing it off-centre does not make it jump', () => {
    const { p, id } = selectedRect()
    drag(p, [302, 150], [352, 400])
    expect(geo(p.editor.getShape(id))).toMatchObject({ x: 100, y: 100, w: 250, h: 100 })
    drag(p, [100, 150], [150, 150], { alt: true })
    expect(geo(p.editor.getShape(id))).toMatchObject({ x: 150, y: 100, w: 150, h: 100 })
  })

  it('resizes a multi-selection as a whole: positions and sizes scale with its frame', () => {
    const { p, a, b } = twoSelectedRects()
    drag(p, [400, 150], [700, 150])
    expect(geo(p.editor.getShape(a))).toMatchObject({ x: 100, y: 100, w: 200, h: 100 })
    expect(geo(p.editor.getShape(b))).toMatchObject({ x: 500, y: 100, w: 200, h: 100 })
  })

  it('refuses to shrink below a few screen pixels or turn inside out', () => {
    const { p, id } = selectedRect()
    drag(p, [300, 150], [50, 150], { steps: 1 })
    expect(geo(p.editor.getShape(id))).toMatchObject({ x: 100, w: 200 })
  })

  it('escape during a resize puts the shape back', () => {
    const { p, id } = selectedRect()
    p.editor.pointerDown(at(p, 300, 200))
    p.editor.pointerMove(at(p, 500, 300))
    p.editor.cancel()
    flush(p)
    expect(geo(p.editor.getShape(id))).toMatchObject({ x: 100, y: 100, w: 200, h: 100 })
    expect(p.editor.tools.select.state).toBe('idle')
  })

  it('hovering a handle shows its resize cursor; the handles are drawn only with a selection', () => {
    const { p } = selectedRect()
    p.editor.pointerMove(at(p, 300, 150))
    expect(p.editor.tool.cursor).toBe('ew-resize')
    p.editor.pointerMove(at(p, 200, 150))
    expect(p.editor.tool.cursor).toBe('default')
    expect(p.editor.tools.select.handles?.()?.frame).toMatchObject({ x: 100, y: 100, w: 200, h: 100 })
    p.editor.select([])
    expect(p.editor.tools.select.handles?.()).toBeNull()
  })
})

describe('select tool: rotate handle', () => {
  it('turns the selection around its centre, snapping to 45°, as one undo step', () => {
    const p = peer()
    p.editor.setTool('rect')
    drag(p, [100, 100], [200, 200])
    const id = p.editor.getShapes()[0]!.id
    // The rotate handle is 50 px above the top edge's middle.
    p.editor.pointerDown(at(p, 150, 50))
    expect(p.editor.tools.select.state).toBe('rotating')
    expect(p.editor.tool.cursor).toBe('crosshair')
    p.editor.pointerMove(at(p, 250, 145))
    p.editor.pointerUp(at(p, 250, 145))
    const s = p.editor.getShape(id)!
    expect(s.rotation).toBe(90)
    expect(s.x).toBeCloseTo(200)
    expect(s.y).toBeCloseTo(100)
    expect(p.editor.tools.select.handles?.()?.frame.rotation).toBe(90)
    p.editor.undo()
    expect(geo(p.editor.getShape(id))).toMatchObject({ x: 100, y: 100, rotation: 0 })
  })

  it('with shift, turns in 15° steps; several shapes turn around their common centre', () => {
    const { p, a, b } = twoSelectedRects()
    // Frame 100..400 × 100..200: centre (250, 150), rotate handle at (250, 50).
    drag(p, [250, 50], [350, 60], { shift: true })
    const sa = p.editor.getShape(a)!
    const sb = p.editor.getShape(b)!
    expect(sa.rotation).toBe(45)
    expect(sb.rotation).toBe(45)
    // The shapes' centres stay mirrored around the common centre.
    const centre = (s: typeof sa) => {
      const r = (s.rotation * Math.PI) / 180
      return { x: s.x + 50 * Math.cos(r) - 50 * Math.sin(r), y: s.y + 50 * Math.sin(r) + 50 * Math.cos(r) }
    }
    const ca = centre(sa)
    const cb = centre(sb)
    expect((ca.x + cb.x) / 2).toBeCloseTo(250)
    expect((ca.y + cb.y) / 2).toBeCloseTo(150)
  })
})
