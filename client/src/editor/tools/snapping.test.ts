import { describe, expect, it } from 'vitest'
import type { Shape } from '@easel/shared'
import { drag, flush, peer } from '../testPeer.ts'
import { snapBox, snapCandidates, snapPoint } from './snapping.ts'

const box = (x: number, y: number, w = 100, h = 100) => ({ x, y, w, h })

describe('snapBox', () => {
  const other = box(300, 100)

  it('snaps an edge to the nearest edge within the threshold, with a guide along both boxes', () => {
    // Left edge 4 units right of the other's left edge; top 3 units below its top.
    const s = snapBox(box(304, 403), [other], 6)
    expect(s).toMatchObject({ dx: -4, dy: 0 })
    expect(s.guides).toEqual([
      { axis: 'x', at: 300, from: 100, to: 503 },
      { axis: 'x', at: 350, from: 100, to: 503 },
      { axis: 'x', at: 400, from: 100, to: 503 },
    ])
    // Right edge to the other's left edge: boxes side by side.
    expect(snapBox(box(195, 0), [other], 6)).toMatchObject({ dx: 5, dy: 0 })
  })

  it('snaps centres to centres and middles to middles', () => {
    // A 40-wide box centred at x = 348, under the other (centre x = 350).
    const c = snapBox(box(328, 500, 40, 20), [other], 6)
    expect(c).toMatchObject({ dx: 2, dy: 0 })
    expect(c.guides).toEqual([{ axis: 'x', at: 350, from: 100, to: 520 }])
    // Its middle at y = 153, right of the other (middle y = 150).
    const m = snapBox(box(500, 133, 20, 40), [other], 6)
    expect(m).toMatchObject({ dx: 0, dy: -3 })
    expect(m.guides).toEqual([{ axis: 'y', at: 150, from: 300, to: 520 }])
  })

  it('does not snap beyond the threshold, and reports no guides then', () => {
    expect(snapBox(box(307, 407), [other], 6)).toEqual({ dx: 0, dy: 0, guides: [] })
    expect(snapBox(box(307, 407), [], 6)).toEqual({ dx: 0, dy: 0, guides: [] })
  })

  it('takes the nearest of several candidates, and snaps both axes at once', () => {
    // x: 3 from the first box's left edge, 2 from the second's; y: 2 from the first's bottom.
    const s = snapBox(box(103, 98, 50, 50), [box(100, 0), box(105, 300), box(0, 100, 10, 10)], 6)
    expect(s).toMatchObject({ dx: 2, dy: 2 })
    // Every line it now lies on, once each (y = 100 is the first's bottom and the third's top).
    expect(s.guides.map((g) => [g.axis, g.at])).toEqual([
      ['x', 105],
      ['x', 155],
      ['y', 100],
    ])
    expect(s.guides[2]).toEqual({ axis: 'y', at: 100, from: 0, to: 200 })
  })

  it('leaves a locked axis alone', () => {
    expect(snapBox(box(304, 403), [box(300, 400)], 6, { x: true, y: false })).toMatchObject({ dx: -4, dy: 0 })
    expect(snapBox(box(304, 403), [box(300, 400)], 6, { x: false, y: true })).toMatchObject({ dx: 0, dy: -3 })
  })

  it('snaps a point, and never throws on odd boxes', () => {
    expect(snapPoint({ x: 398, y: 52 }, [other], 6)).toMatchObject({ dx: 2, dy: 0 })
    expect(snapBox(box(Number.NaN, 0), [other], 6)).toEqual({ dx: 0, dy: 0, guides: [] })
    expect(snapBox(box(300, 0, 0, 0), [box(300, 0, 0, 0)], 6)).toMatchObject({ dx: 0, dy: 0 })
  })
})

describe('snapCandidates', () => {
  const shape = (
    id: string,
    x: number,
    binding = { start: null as string | null, end: null as string | null },
  ) => ({ id, kind: 'rect', x, y: 0, w: 10, h: 10, rotation: 0, binding }) as Shape

  it('excludes the moving shapes and arrows attached to them, and keeps only the nearest', () => {
    const shapes = [
      shape('a', 0),
      shape('b', 100),
      shape('arrow', 50, { start: 'a', end: null }),
      shape('c', 1000),
    ]
    expect(snapCandidates(shapes, new Set(['a']), null).map((b) => b.x)).toEqual([100, 1000])
    expect(snapCandidates(shapes, new Set(['a']), box(900, 0, 10, 10), 1).map((b) => b.x)).toEqual([1000])
  })
})

describe('select tool: snapping while moving', () => {
  /** Squares of 100 at (100, 100) and (400, 300), the second selected. */
  function twoSquares() {
    const p = peer()
    const a = p.editor.createShape('rect', { x: 100, y: 100, w: 100, h: 100 })
    const b = p.editor.createShape('rect', { x: 400, y: 300, w: 100, h: 100 })
    return { p, a, b }
  }

  it('a drag ending near another shape aligns it exactly, shows guides meanwhile, and none after', () => {
    const { p, b } = twoSquares()
    // Move b by (-296, -195): its left edge would be at 104, its top at 105 — within 6 px of a's.
    p.editor.pointerDown(p.editor.pointerInfo({ x: 450, y: 350 }))
    p.editor.pointerMove(p.editor.pointerInfo({ x: 300, y: 200 }))
    p.editor.pointerMove(p.editor.pointerInfo({ x: 154, y: 155 }))
    expect(p.editor.getShape(b)).toMatchObject({ x: 100, y: 100 })
    const guides = p.editor.tool.snapGuides?.() ?? []
    expect(guides.map((g) => `${g.axis}=${g.at}`).sort()).toEqual(
      ['x=100', 'x=150', 'x=200', 'y=100', 'y=150', 'y=200'].sort(),
    )
    p.editor.pointerUp(p.editor.pointerInfo({ x: 154, y: 155 }))
    flush(p)
    expect(p.editor.getShape(b)).toMatchObject({ x: 100, y: 100 })
    expect(p.editor.tool.snapGuides?.()).toEqual([])
  })

  it('the threshold is in screen pixels: zoomed in, the same page distance does not snap', () => {
    const { p, b } = twoSquares()
    p.editor.setCamera({ x: 0, y: 0, z: 2 })
    // 4 page units = 8 screen pixels off a's left edge: beyond 6 px.
    drag(p, [900, 700], [900 - 296 * 2, 700 - 150 * 2])
    expect(p.editor.getShape(b)).toMatchObject({ x: 104, y: 150 })
  })

  it('holding Ctrl (Cmd on macOS) moves freely, without guides', () => {
    const { p, b } = twoSquares()
    p.editor.pointerDown(p.editor.pointerInfo({ x: 450, y: 350 }, { mod: true }))
    p.editor.pointerMove(p.editor.pointerInfo({ x: 300, y: 200 }, { mod: true }))
    p.editor.pointerMove(p.editor.pointerInfo({ x: 154, y: 155 }, { mod: true }))
    expect(p.editor.tool.snapGuides?.()).toEqual([])
    p.editor.pointerUp(p.editor.pointerInfo({ x: 154, y: 155 }, { mod: true }))
    expect(p.editor.getShape(b)).toMatchObject({ x: 104, y: 105 })
  })

  it('shift keeps the move on one axis: snapping never moves it off that axis', () => {
    const { p, b } = twoSquares()
    drag(p, [450, 350], [154, 353], { shift: true })
    expect(p.editor.getShape(b)).toMatchObject({ x: 100, y: 300 })
  })
})

describe('box tool: snapping while drawing', () => {
  it('the dragged corner snaps to another shape’s edges, with guides; Ctrl draws freely', () => {
    const p = peer()
    p.editor.createShape('rect', { x: 100, y: 100, w: 100, h: 100 })
    p.editor.setTool('rect')
    p.editor.pointerDown(p.editor.pointerInfo({ x: 300, y: 300 }))
    p.editor.pointerMove(p.editor.pointerInfo({ x: 250, y: 250 }))
    p.editor.pointerMove(p.editor.pointerInfo({ x: 203, y: 196 }))
    expect(p.editor.tool.snapGuides?.().map((g) => `${g.axis}=${g.at}`)).toEqual(['x=200', 'y=200'])
    p.editor.pointerUp(p.editor.pointerInfo({ x: 203, y: 196 }))
    const drawn = p.editor.getShapes()[1]
    expect(drawn).toMatchObject({ x: 200, y: 200, w: 100, h: 100 })

    p.editor.setTool('rect')
    p.editor.pointerDown(p.editor.pointerInfo({ x: 500, y: 500 }, { mod: true }))
    p.editor.pointerMove(p.editor.pointerInfo({ x: 450, y: 450 }, { mod: true }))
    p.editor.pointerMove(p.editor.pointerInfo({ x: 403, y: 396 }, { mod: true }))
    p.editor.pointerUp(p.editor.pointerInfo({ x: 403, y: 396 }, { mod: true }))
    expect(p.editor.getShapes().at(-1)).toMatchObject({ x: 403, y: 396, w: 97, h: 104 })
  })
})
