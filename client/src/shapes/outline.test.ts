import { describe, expect, it } from 'vitest'
import { SHAPE_KINDS } from '@easel/shared'
import { arrowGeometry, type Vec } from '../editor/geometry.ts'
import { ARROW_GAP, arrowEnd, outlinePoint, shapeCenter } from './index.ts'
import { testShape } from './testShape.ts'

const near = (a: Vec, b: Vec) => {
  expect(a.x).toBeCloseTo(b.x, 6)
  expect(a.y).toBeCloseTo(b.y, 6)
}

// testShape: a 100 × 60 box at (10, 20), centre (60, 50).
describe('outline points (where arrow ends stop)', () => {
  it('an ellipse: on the ellipse, not its box, in every direction', () => {
    const e = testShape({ kind: 'ellipse' })
    near(outlinePoint(e, { x: 500, y: 50 }), { x: 110, y: 50 })
    near(outlinePoint(e, { x: 60, y: -500 }), { x: 60, y: 20 })
    // Towards the box's corner the ellipse is well inside it: (cx + a/√2, cy + b/√2).
    const diag = outlinePoint(e, { x: 60 + 500, y: 50 + 300 })
    near(diag, { x: 60 + 50 / Math.SQRT2, y: 50 + 30 / Math.SQRT2 })
    expect(((diag.x - 60) / 50) ** 2 + ((diag.y - 50) / 30) ** 2).toBeCloseTo(1, 6)
  })

  it('a diamond: on its edges, its corners at the box sides', () => {
    const d = testShape({ kind: 'diamond' })
    near(outlinePoint(d, { x: 500, y: 50 }), { x: 110, y: 50 })
    // Towards the box corner the ray meets the edge midway: (cx + a/2, cy + b/2).
    near(outlinePoint(d, { x: 560, y: 350 }), { x: 85, y: 65 })
  })

  it('a rotated rectangle: its own turned edge, not its axis-aligned bounds', () => {
    // 100 × 60 at (0, 0) turned 90°: it covers x -60..0, y 0..100, centre (-30, 50).
    const r = testShape({ kind: 'rect', x: 0, y: 0, rotation: 90 })
    near(shapeCenter(r), { x: -30, y: 50 })
    near(outlinePoint(r, { x: 500, y: 50 }), { x: 0, y: 50 })
    near(outlinePoint(r, { x: -30, y: 500 }), { x: -30, y: 100 })
    // Turned 45°: a ray along the shape's own x axis leaves it 50 units out.
    const t = testShape({ kind: 'rect', x: 0, y: 0, rotation: 45 })
    const c = shapeCenter(t)
    const along = { x: c.x + 300 * Math.SQRT1_2, y: c.y + 300 * Math.SQRT1_2 }
    near(outlinePoint(t, along), { x: c.x + 50 * Math.SQRT1_2, y: c.y + 50 * Math.SQRT1_2 })
  })

  it('text and sticky boxes, and any kind without its own outline, use their box', () => {
    for (const kind of ['text', 'sticky', 'rect'] as const) {
      near(outlinePoint(testShape({ kind }), { x: 500, y: 50 }), { x: 110, y: 50 })
    }
  })

  it('a gap puts the point further out; a target inside the outline is returned as is', () => {
    const e = testShape({ kind: 'ellipse' })
    near(outlinePoint(e, { x: 500, y: 50 }, ARROW_GAP), { x: 110 + ARROW_GAP, y: 50 })
    near(outlinePoint(e, { x: 70, y: 50 }), { x: 70, y: 50 })
  })

  it('never returns NaN for odd shapes: zero size, the centre itself', () => {
    for (const kind of SHAPE_KINDS) {
      const flat = testShape({ kind, w: 0, h: 0, points: kind === 'pen' ? [0, 0, 0.5] : [0, 0, 0, 0] })
      for (const toward of [
        { x: 500, y: 50 },
        { x: 10, y: 20 },
      ]) {
        const p = outlinePoint(flat, toward, ARROW_GAP)
        expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true)
      }
      const c = shapeCenter(testShape({ kind }))
      expect(outlinePoint(testShape({ kind }), c)).toEqual(c)
    }
  })
})

describe('arrow geometry', () => {
  it('an arrow from a rectangle to an ellipse ends on the ellipse, on the line between centres', () => {
    const rect = testShape({ kind: 'rect', x: 0, y: 0, w: 100, h: 100 })
    const ellipse = testShape({ kind: 'ellipse', x: 300, y: 200, w: 200, h: 100 })
    const g = arrowGeometry(
      { x: 0, y: 0, rotation: 0, points: [0, 0, 1, 1] },
      arrowEnd(rect),
      arrowEnd(ellipse),
    )
    const end = { x: g.x + g.points[2]!, y: g.y + g.points[3]! }
    // Just off the ellipse (by the gap), on the ray from its centre (400, 250) towards (50, 50).
    const dx = (end.x - 400) / 100
    const dy = (end.y - 250) / 50
    expect(Math.hypot(dx, dy)).toBeGreaterThan(1)
    expect(Math.hypot(end.x - 400, end.y - 250) - ARROW_GAP).toBeCloseTo(
      Math.hypot(400 - 50, 250 - 50) / Math.hypot((400 - 50) / 100, (250 - 50) / 50),
      6,
    )
    expect((end.y - 250) / (end.x - 400)).toBeCloseTo((50 - 250) / (50 - 400), 6)
    expect(g.rotation).toBe(0)
  })

  it('a free end stays where it is, also on a rotated arrow (its points turned into the page)', () => {
    const g = arrowGeometry({ x: 10, y: 10, rotation: 90, points: [0, 0, 100, 0] }, null, null)
    expect(g).toMatchObject({ x: 10, y: 10, rotation: 0 })
    expect(g.points[2]).toBeCloseTo(0, 6)
    expect(g.points[3]).toBeCloseTo(100, 6)
  })
})
