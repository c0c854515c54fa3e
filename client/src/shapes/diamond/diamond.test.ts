import { describe, expect, it } from 'vitest'
import { crdtProps, readShape } from '@easel/shared'
import { scaledProps } from '../../editor/tools/handles.ts'
import { describe as describeShape } from '../../editor/Editor.ts'
import { toSvg } from '../../editor/exportImage.ts'
import { TOOL_IDS } from '../../editor/tools/index.ts'
import { hitTest, shapeBounds } from '../index.ts'
import { testShape } from '../testShape.ts'
import { diamond } from './index.tsx'

// A 100 × 60 diamond at (10, 20): corners at (60, 20), (110, 50), (60, 80) and (10, 50).
const d = testShape({ kind: 'diamond' })

describe('diamond', () => {
  it('is a kind the schema accepts, named "diamond", with a toolbar button on D after the rectangle', () => {
    expect(readShape('s1', crdtProps.parse(d), null).ok).toBe(true)
    expect(describeShape(d)).toBe('the diamond')
    expect(diamond.tool.key).toBe('D')
    expect(TOOL_IDS.slice(0, 4)).toEqual(['select', 'hand', 'rect', 'diamond'])
  })

  it('is bounded by its box, also rotated', () => {
    expect(shapeBounds(d)).toEqual({ x: 10, y: 20, w: 100, h: 60 })
    const turned = shapeBounds({ ...d, rotation: 90 })
    expect([turned.x, turned.y, turned.w, turned.h].map(Math.round)).toEqual([-50, 20, 60, 100])
    expect(scaledProps(d, 2, 0.5, 10, 20, 0)).toMatchObject({ w: 200, h: 30 })
  })

  it('is hit inside the rhombus and missed in the corners of its box', () => {
    expect(hitTest(d, { x: 60, y: 50 }, 0)).toBe(true)
    expect(hitTest(d, { x: 105, y: 50 }, 0)).toBe(true)
    expect(hitTest(d, { x: 60, y: 22 }, 0)).toBe(true)
    // The corners of the box (a rectangle would be hit there).
    for (const [x, y] of [
      [12, 22],
      [108, 22],
      [12, 78],
      [108, 78],
    ] as const)
      expect(hitTest(d, { x, y }, 0), `${x},${y}`).toBe(false)
    // Just outside the upper right edge: hit only with tolerance. Its outward normal is (3, 5)/√34.
    const n = { x: 3 / Math.sqrt(34), y: -5 / Math.sqrt(34) }
    const mid = { x: 85, y: 35 }
    const out = (t: number) => ({ x: mid.x + n.x * t, y: mid.y + n.y * t })
    expect(hitTest(d, out(-0.5), 0)).toBe(true)
    expect(hitTest(d, out(3), 0)).toBe(false)
    expect(hitTest(d, out(3), 4)).toBe(true)
    expect(hitTest(d, out(5), 4)).toBe(false)
    // Rotation is undone first: a quarter turn about (10, 20) puts the top corner at (10, 70) and the
    // box's top left corner at (10, 20).
    const turned = { ...d, rotation: 90 }
    expect(hitTest(turned, { x: 8, y: 70 }, 0)).toBe(true)
    expect(hitTest(d, { x: 8, y: 70 }, 0)).toBe(false)
    expect(hitTest(turned, { x: 8, y: 22 }, 0)).toBe(false)
  })

  it('exports as an SVG polygon through its four corners, filled and stroked', () => {
    const svg = toSvg([d])
    expect(svg).toContain(
      '<g transform="translate(10 20) rotate(0)" opacity="1"><polygon points="50,0 100,30 50,60 0,30" stroke-linejoin="round" stroke="#1e1e1e" stroke-width="2" fill="#a5d8ff"/></g>',
    )
    expect(toSvg([{ ...d, fill: 'transparent' }])).toContain('fill="none"')
  })
})
