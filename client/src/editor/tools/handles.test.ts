import { describe, expect, it } from 'vitest'
import type { Shape } from '@easel/shared'
import {
  endpointAt,
  endpointHandles,
  type Frame,
  fitShapes,
  handleAt,
  handleCursor,
  handlePositions,
  resizeFrame,
  rotateFrame,
  rotationTo,
  selectionFrame,
} from './handles.ts'

const rect = (id: string, x: number, y: number, w: number, h: number, rotation = 0) =>
  ({ id, kind: 'rect', x, y, w, h, rotation }) as Shape

const close = (a: Frame | null, b: Frame) => {
  expect(a).not.toBeNull()
  for (const k of ['x', 'y', 'w', 'h', 'rotation'] as const) expect(a![k]).toBeCloseTo(b[k], 6)
}

describe('selection frame', () => {
  it("is one shape's own turned box, or the axis-aligned box around several", () => {
    close(selectionFrame([rect('a', 10, 20, 100, 50, 30)]), { x: 10, y: 20, w: 100, h: 50, rotation: 30 })
    close(selectionFrame([rect('a', 0, 0, 100, 50), rect('b', 200, 100, 50, 50)]), {
      x: 0,
      y: 0,
      w: 250,
      h: 150,
      rotation: 0,
    })
    expect(selectionFrame([])).toBeNull()
  })

  it("a line's frame is the box of its points, wherever its origin is", () => {
    const line = {
      id: 'l',
      kind: 'line',
      x: 100,
      y: 100,
      w: 0,
      h: 0,
      rotation: 0,
      points: [-20, -10, 30, 40],
    }
    close(selectionFrame([line as Shape]), { x: 80, y: 90, w: 50, h: 50, rotation: 0 })
  })
})

describe('handles', () => {
  const frame: Frame = { x: 100, y: 100, w: 200, h: 100, rotation: 0 }

  it('sit on the corners and edge midpoints, the rotate handle 50 screen px above the top', () => {
    const at = Object.fromEntries(handlePositions(frame, 2).map((h) => [h.id, h.p]))
    expect(at['top-left']).toEqual({ x: 100, y: 100 })
    expect(at['middle-right']).toEqual({ x: 300, y: 150 })
    expect(at['bottom-center']).toEqual({ x: 200, y: 200 })
    expect(at.rotate).toEqual({ x: 200, y: 75 })
  })

  it('are hit within a few screen pixels, at any zoom; the inside of the frame is not a handle', () => {
    expect(handleAt(frame, { x: 304, y: 204 }, 1)).toBe('bottom-right')
    expect(handleAt(frame, { x: 308, y: 208 }, 1)).toBeNull()
    expect(handleAt(frame, { x: 302, y: 202 }, 2)).toBe('bottom-right')
    expect(handleAt(frame, { x: 304, y: 204 }, 2)).toBeNull()
    expect(handleAt(frame, { x: 200, y: 50 }, 1)).toBe('rotate')
    expect(handleAt(frame, { x: 200, y: 150 }, 1)).toBeNull()
  })

  it('turn with a turned frame, and so do their cursors', () => {
    const turned = { ...frame, rotation: 90 }
    // Turned 90° around its top-left corner, the frame's right edge points down.
    expect(handleAt(turned, { x: 100, y: 300 }, 1)).toBe('top-right')
    expect(handleCursor('middle-right', 0)).toBe('ew-resize')
    expect(handleCursor('middle-right', 90)).toBe('ns-resize')
    expect(handleCursor('top-left', 0)).toBe('nwse-resize')
    expect(handleCursor('top-right', 0)).toBe('nesw-resize')
    expect(handleCursor('rotate', 0)).toBe('crosshair')
  })
})

describe('resizing the frame', () => {
  const frame: Frame = { x: 100, y: 100, w: 200, h: 100, rotation: 0 }

  it('a corner moves both sides freely, pinned at the opposite corner', () => {
    close(resizeFrame(frame, 'bottom-right', { x: 500, y: 150 }, false, 1), {
      x: 100,
      y: 100,
      w: 400,
      h: 50,
      rotation: 0,
    })
    close(resizeFrame(frame, 'top-left', { x: 150, y: 0 }, false, 1), {
      x: 150,
      y: 0,
      w: 150,
      h: 200,
      rotation: 0,
    })
    // Turned 90°: the frame's width runs down the page, its height to the left.
    const turned = { ...frame, rotation: 90 }
    close(resizeFrame(turned, 'bottom-right', { x: -50, y: 400 }, false, 1), { ...turned, w: 300, h: 150 })
  })

  it('with shift a corner keeps the aspect ratio', () => {
    // Scaled by the pointer's distance from the pinned corner: twice as far, twice as large.
    close(resizeFrame(frame, 'bottom-right', { x: 500, y: 300 }, false, 1, true), {
      x: 100,
      y: 100,
      w: 400,
      h: 200,
      rotation: 0,
    })
    // Off the diagonal, the size follows the pointer's distance; the ratio stays 2 : 1.
    const r = resizeFrame(frame, 'bottom-right', { x: 500, y: 150 }, false, 1, true)!
    expect(r.w / r.h).toBeCloseTo(2, 6)
    expect(r.w).toBeGreaterThan(200)
    close(resizeFrame(frame, 'top-left', { x: 0, y: 50 }, false, 1, true), {
      x: 0,
      y: 50,
      w: 300,
      h: 150,
      rotation: 0,
    })
  })

  it('an edge moves only its side; alt resizes around the centre', () => {
    close(resizeFrame(frame, 'middle-right', { x: 400, y: 999 }, false, 1), {
      x: 100,
      y: 100,
      w: 300,
      h: 100,
      rotation: 0,
    })
    close(resizeFrame(frame, 'middle-right', { x: 350, y: 0 }, true, 1), {
      x: 50,
      y: 100,
      w: 300,
      h: 100,
      rotation: 0,
    })
    close(resizeFrame(frame, 'top-center', { x: 0, y: 50 }, false, 1), {
      x: 100,
      y: 50,
      w: 200,
      h: 150,
      rotation: 0,
    })
  })

  it('refuses a frame smaller than the minimum or turned inside out', () => {
    expect(resizeFrame(frame, 'middle-right', { x: 102, y: 0 }, false, 4)).toBeNull()
    expect(resizeFrame(frame, 'middle-right', { x: 50, y: 0 }, false, 4)).toBeNull()
    expect(resizeFrame(frame, 'bottom-right', { x: 0, y: 0 }, false, 4)).toBeNull()
  })

  it("works in a turned frame's own axes", () => {
    const turned = { ...frame, rotation: 90 }
    // The right edge of a frame turned 90° is at the bottom: dragging it down widens the frame.
    close(resizeFrame(turned, 'middle-right', { x: 50, y: 400 }, false, 1), { ...turned, w: 300 })
  })

  it('carries the shapes along: positions and sizes scale with the frame', () => {
    const shapes = [rect('a', 100, 100, 100, 100), rect('b', 200, 150, 100, 50)]
    const to = { x: 100, y: 100, w: 400, h: 200, rotation: 0 }
    expect(fitShapes(shapes, frame, to)).toEqual([
      { id: 'a', props: { x: 100, y: 100, rotation: 0, w: 200, h: 200 } },
      { id: 'b', props: { x: 300, y: 200, rotation: 0, w: 200, h: 100 } },
    ])
  })

  it('scales the points of lines and pens (not their pressure)', () => {
    const pen = {
      id: 'p',
      kind: 'pen',
      x: 0,
      y: 0,
      w: 10,
      h: 10,
      rotation: 0,
      points: [0, 0, 0.5, 10, 10, 0.7],
    }
    const [u] = fitShapes(
      [pen as Shape],
      { x: 0, y: 0, w: 10, h: 10, rotation: 0 },
      { x: 0, y: 0, w: 20, h: 30, rotation: 0 },
    )
    expect(u!.props.points).toEqual([0, 0, 0.5, 20, 30, 0.7])
  })
})

describe('rotating the frame', () => {
  const frame: Frame = { x: 100, y: 100, w: 100, h: 100, rotation: 0 }
  const top = { x: 150, y: 50 }

  it('follows the pointer around the centre, snapping to 45° within 5°', () => {
    expect(rotationTo(frame, top, { x: 250, y: 150 }, false)).toBeCloseTo(90)
    expect(rotationTo(frame, top, { x: 250, y: 140 }, false)).toBeCloseTo(90 - 5.71, 1)
    expect(rotationTo(frame, top, { x: 250, y: 145 }, false)).toBe(90)
    expect(rotationTo(frame, top, { x: 148, y: 50 }, false)).toBe(0)
  })

  it('moves in 15° steps with shift', () => {
    expect(rotationTo(frame, top, { x: 250, y: 140 }, true)).toBe(90)
    expect(rotationTo(frame, top, { x: 250, y: 100 }, true)).toBe(60)
  })

  it('turns around the centre: the frame and the shapes in it', () => {
    const turned = rotateFrame(frame, 90)
    close(turned, { x: 200, y: 100, w: 100, h: 100, rotation: 90 })
    const [u] = fitShapes([rect('a', 100, 100, 100, 100)], frame, turned)
    expect(u!.props.x).toBeCloseTo(200)
    expect(u!.props.y).toBeCloseTo(100)
    expect(u!.props).toMatchObject({ rotation: 90, w: 100, h: 100 })
  })
})

describe('endpoint handles', () => {
  const line = (kind: 'line' | 'arrow', rotation = 0) =>
    ({ id: 'l', kind, x: 100, y: 100, w: 200, h: 0, rotation, points: [0, 0, 200, 0] }) as Shape

  it('a single line or arrow gets one at each end, turned with it; other selections get none', () => {
    for (const kind of ['line', 'arrow'] as const) {
      expect(endpointHandles([line(kind)])).toEqual({ start: { x: 100, y: 100 }, end: { x: 300, y: 100 } })
    }
    const turned = endpointHandles([line('arrow', 90)])!
    expect(turned.end.x).toBeCloseTo(100, 6)
    expect(turned.end.y).toBeCloseTo(300, 6)
    expect(endpointHandles([rect('r', 0, 0, 10, 10)])).toBeNull()
    expect(endpointHandles([line('line'), rect('r', 0, 0, 10, 10)])).toBeNull()
    expect(endpointHandles([])).toBeNull()
  })

  it('are hit within a few screen pixels of each end, at any zoom; the middle is not a handle', () => {
    const ends = endpointHandles([line('arrow')])!
    expect(endpointAt(ends, { x: 105, y: 104 }, 1)).toBe('start')
    expect(endpointAt(ends, { x: 296, y: 100 }, 1)).toBe('end')
    expect(endpointAt(ends, { x: 200, y: 100 }, 1)).toBeNull()
    expect(endpointAt(ends, { x: 290, y: 100 }, 1)).toBeNull()
    expect(endpointAt(ends, { x: 296, y: 100 }, 2)).toBe('end')
    expect(endpointAt(ends, { x: 290, y: 100 }, 0.5)).toBe('end')
    // A zero-length line: the end (drawn on top) wins.
    expect(endpointAt({ start: { x: 0, y: 0 }, end: { x: 0, y: 0 } }, { x: 0, y: 0 }, 1)).toBe('end')
  })
})
