import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { crdtProps, SHAPE_KINDS } from '@easel/shared'
import { scaledProps } from '../editor/tools/handles.ts'
import { describe as describeShape, Editor } from '../editor/Editor.ts'
import { toSvg } from '../editor/exportImage.ts'
import { TOOL_IDS } from '../editor/tools/index.ts'
import { toolMeta } from '../ui/Toolbar.tsx'
import { hitTest, localBox, SHAPE_TOOL_KINDS, SHAPES, shapeBounds } from './index.ts'
import { STICKY_FILL, STICKY_PADDING } from './sticky/index.tsx'
import { testShape } from './testShape.ts'

function editor(): Editor {
  const e = new Editor(new Y.Doc(), {
    user: { id: 'ada', name: 'Ada', color: '#e03131' },
    scheduleFrame: (cb) => cb(),
    presenceIntervalMs: 0,
    liveWriteIntervalMs: 0,
  })
  e.setViewportSize(1000, 800)
  return e
}

describe('the shape registry', () => {
  it('has one module per kind, named after it', () => {
    expect(Object.keys(SHAPES).sort()).toEqual([...SHAPE_KINDS].sort())
    for (const kind of SHAPE_KINDS) expect(SHAPES[kind].kind).toBe(kind)
    const labels = SHAPE_KINDS.map((k) => SHAPES[k].label)
    expect(new Set(labels).size).toBe(labels.length)
    expect(describeShape({ kind: 'sticky', text: '' })).toBe('the sticky note')
  })

  it('puts every kind in the toolbar once, after select and hand, with a free one-letter shortcut', () => {
    expect(TOOL_IDS).toEqual(['select', 'hand', ...SHAPE_TOOL_KINDS])
    expect([...SHAPE_TOOL_KINDS].sort()).toEqual([...SHAPE_KINDS].sort())
    const keys = TOOL_IDS.map((id) => toolMeta(id).key)
    for (const key of keys) expect(key).toMatch(/^[A-Z]$/)
    // Q toggles the tool lock; every other letter is free for tools.
    expect(new Set([...keys, 'Q']).size).toBe(keys.length + 1)
  })

  it("every kind's creation tool creates a valid shape of that kind", () => {
    for (const kind of SHAPE_KINDS) {
      const e = editor()
      e.setTool(kind)
      e.pointerDown(e.pointerInfo({ x: 100, y: 100 }))
      for (const [x, y] of [
        [140, 130],
        [180, 160],
        [220, 190],
      ] as const)
        e.pointerMove(e.pointerInfo({ x, y }))
      e.pointerUp(e.pointerInfo({ x: 220, y: 190 }))
      const shapes = e.getShapes()
      expect(
        shapes.map((s) => s.kind),
        kind,
      ).toEqual([kind])
      expect(crdtProps.safeParse(shapes[0]).success).toBe(true)
      expect(hitTest(shapes[0]!, { x: 10_000, y: 10_000 }, 1)).toBe(false)
    }
  })
})

describe('bounds and hit tests', () => {
  it('box kinds fill their box, and their rotated bounds contain the rotated corners', () => {
    for (const kind of ['rect', 'text', 'sticky'] as const) {
      const s = testShape({ kind })
      expect(localBox(s)).toEqual({ x: 0, y: 0, w: 100, h: 60 })
      expect(shapeBounds(s)).toEqual({ x: 10, y: 20, w: 100, h: 60 })
      expect(hitTest(s, { x: 12, y: 22 }, 0)).toBe(true)
      expect(hitTest(s, { x: 111, y: 50 }, 0)).toBe(false)
      expect(hitTest(s, { x: 111, y: 50 }, 2)).toBe(true)
      const turned = shapeBounds({ ...s, rotation: 90 })
      expect(turned.x).toBeCloseTo(-50)
      expect(turned.y).toBeCloseTo(20)
      expect([turned.w, turned.h].map(Math.round)).toEqual([60, 100])
    }
  })

  it('an ellipse misses in the corners of its box', () => {
    const s = testShape({ kind: 'ellipse' })
    expect(shapeBounds(s)).toEqual({ x: 10, y: 20, w: 100, h: 60 })
    expect(hitTest(s, { x: 60, y: 50 }, 0)).toBe(true)
    expect(hitTest(s, { x: 14, y: 24 }, 0)).toBe(false)
  })

  it('lines and arrows are bounded by their points and hit along the segment', () => {
    for (const kind of ['line', 'arrow'] as const) {
      const s = testShape({ kind, points: [0, 0, 100, -50], w: 100, h: 50 })
      expect(shapeBounds(s)).toEqual({ x: 10, y: -30, w: 100, h: 50 })
      expect(hitTest(s, { x: 60, y: -5 }, 1)).toBe(true)
      expect(hitTest(s, { x: 60, y: 10 }, 1)).toBe(false)
    }
  })

  it('pen points are triples: the pressure is neither a coordinate nor scaled', () => {
    const s = testShape({ kind: 'pen', points: [0, 0, 0.5, 50, 40, 0.9, 100, 0, 0.2] })
    expect(localBox(s)).toEqual({ x: 0, y: 0, w: 100, h: 40 })
    expect(hitTest(s, { x: 35, y: 40 }, 1)).toBe(true)
    expect(hitTest(s, { x: 60, y: 20 }, 1)).toBe(false)
    expect(scaledProps(s, 2, 0.5, 0, 0, 0).points).toEqual([0, 0, 0.5, 100, 20, 0.9, 200, 0, 0.2])
    expect(scaledProps(testShape({ kind: 'rect' }), 2, 0.001, 5, 6, 7)).toEqual({
      x: 5,
      y: 6,
      rotation: 7,
      w: 200,
      h: 1,
    })
  })
})

describe('SVG export', () => {
  it('draws each kind with its element, positioned and rotated by its group', () => {
    const svg = toSvg([
      testShape({ kind: 'rect', rotation: 30 }),
      testShape({ kind: 'arrow', points: [0, 0, 100, 0] }),
      testShape({ kind: 'sticky', fill: 'transparent', text: 'a <b>\nc' }),
    ])
    expect(svg).toContain(
      '<g transform="translate(10 20) rotate(30)" opacity="1"><rect width="100" height="60"',
    )
    expect(svg).toContain('<line x1="0" y1="0" x2="100" y2="0"')
    expect(svg).toContain('<polygon points="100,0 ')
    expect(svg).toContain(`fill="${STICKY_FILL}"`)
    expect(svg).toContain(
      `<tspan x="${STICKY_PADDING}" dy="0">a &#60;b&#62;</tspan><tspan x="${STICKY_PADDING}" dy="25">c</tspan>`,
    )
  })
})
