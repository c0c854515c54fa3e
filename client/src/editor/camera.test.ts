import { describe, expect, it } from 'vitest'
import { shapeBounds } from '../shapes/index.ts'
import { CameraState, pinchCamera, revealCamera, wheelZoomFactor } from './camera.ts'
import { MAX_ZOOM, MIN_ZOOM, pageToScreen, screenToPage } from './geometry.ts'

function camera() {
  const c = new CameraState(() => {})
  c.setViewportSize(1000, 800)
  return c
}

describe('wheel zoom', () => {
  it('one mouse notch (deltaY ±100) zooms by about 10 %, in and out', () => {
    expect(wheelZoomFactor(-100)).toBeCloseTo(1.1, 6)
    expect(wheelZoomFactor(100)).toBeCloseTo(1 / 1.1, 6)
    const c = camera()
    c.wheelZoom(-100, { x: 500, y: 400 })
    expect(c.camera.z).toBeCloseTo(1.1, 6)
    c.wheelZoom(-100, { x: 500, y: 400 })
    expect(c.camera.z).toBeCloseTo(1.21, 6)
  })

  it('small trackpad-pinch deltas zoom proportionally, never more than a notch per event', () => {
    expect(wheelZoomFactor(-1)).toBeCloseTo(Math.exp(0.01), 6)
    expect(wheelZoomFactor(-4)).toBeCloseTo(Math.exp(0.04), 6)
    expect(Math.log(wheelZoomFactor(-4)) / Math.log(wheelZoomFactor(-2))).toBeCloseTo(2, 6)
    expect(wheelZoomFactor(3)).toBeCloseTo(Math.exp(-0.03), 6)
    expect(wheelZoomFactor(-40)).toBeCloseTo(1.1, 6)
    // Two notches coalesced into one event, and line-based deltas (Firefox: 3 lines a notch).
    expect(wheelZoomFactor(-200)).toBeCloseTo(1.21, 6)
    expect(wheelZoomFactor(-3, 1)).toBeCloseTo(1.1, 6)
    expect(wheelZoomFactor(0)).toBe(1)
    expect(wheelZoomFactor(Number.NaN)).toBe(1)
  })

  it('keeps the page point under the cursor fixed', () => {
    const c = camera()
    c.setCamera({ x: -120, y: 40, z: 0.8 })
    const anchor = { x: 730, y: 215 }
    const before = screenToPage(c.camera, anchor)
    c.wheelZoom(-100, anchor)
    c.wheelZoom(-3, anchor)
    const after = screenToPage(c.camera, anchor)
    expect(after.x).toBeCloseTo(before.x, 6)
    expect(after.y).toBeCloseTo(before.y, 6)
  })

  it('clamps the zoom range', () => {
    const c = camera()
    for (let i = 0; i < 100; i++) c.wheelZoom(-100, { x: 10, y: 10 })
    expect(c.camera.z).toBe(MAX_ZOOM)
    for (let i = 0; i < 200; i++) c.wheelZoom(100, { x: 10, y: 10 })
    expect(c.camera.z).toBe(MIN_ZOOM)
  })
})

describe('two-finger pinch', () => {
  it('zooms with the distance between the fingers around their midpoint', () => {
    const cam = { x: 0, y: 0, z: 1 }
    const next = pinchCamera(
      cam,
      [
        { x: 400, y: 400 },
        { x: 600, y: 400 },
      ],
      [
        { x: 300, y: 400 },
        { x: 700, y: 400 },
      ],
    )
    expect(next.z).toBeCloseTo(2, 6)
    const mid = screenToPage(next, { x: 500, y: 400 })
    expect(mid.x).toBeCloseTo(500, 6)
    expect(mid.y).toBeCloseTo(400, 6)
  })

  it('pans when both fingers move together', () => {
    const next = pinchCamera(
      { x: 10, y: 20, z: 2 },
      [
        { x: 100, y: 100 },
        { x: 200, y: 100 },
      ],
      [
        { x: 150, y: 130 },
        { x: 250, y: 130 },
      ],
    )
    expect(next.z).toBe(2)
    expect(next.x).toBeCloseTo(10 + 50 / 2, 6)
    expect(next.y).toBeCloseTo(20 + 30 / 2, 6)
  })

  it('fingers on one point do not zoom', () => {
    const p = { x: 5, y: 5 }
    expect(pinchCamera({ x: 0, y: 0, z: 1 }, [p, p], [p, { x: 300, y: 5 }]).z).toBe(1)
  })
})

describe('reveal a shape (a hot-shape link: /b/<room>#shape=<id>)', () => {
  const size = { w: 1000, h: 800 }
  const centreOnScreen = (
    box: { x: number; y: number; w: number; h: number },
    c: ReturnType<typeof revealCamera>,
  ) => pageToScreen(c, { x: box.x + box.w / 2, y: box.y + box.h / 2 })

  it('centres a small shape far from the origin at 100 %', () => {
    const box = shapeBounds({ kind: 'rect', x: 5000, y: -3000, w: 120, h: 80, rotation: 0 })
    const c = revealCamera(box, size)
    expect(c.z).toBe(1)
    const p = centreOnScreen(box, c)
    expect(p.x).toBeCloseTo(500, 6)
    expect(p.y).toBeCloseTo(400, 6)
  })

  it('zooms out until a large shape fits, centred, and never zooms in past 100 %', () => {
    const box = shapeBounds({ kind: 'rect', x: -200, y: 100, w: 4000, h: 1000, rotation: 0 })
    const c = revealCamera(box, size)
    expect(c.z).toBeLessThan(1)
    const tl = pageToScreen(c, { x: box.x, y: box.y })
    const br = pageToScreen(c, { x: box.x + box.w, y: box.y + box.h })
    expect(tl.x).toBeGreaterThanOrEqual(0)
    expect(br.x).toBeLessThanOrEqual(size.w)
    expect(tl.y).toBeGreaterThanOrEqual(0)
    expect(br.y).toBeLessThanOrEqual(size.h)
    const p = centreOnScreen(box, c)
    expect(p.x).toBeCloseTo(500, 6)
    expect(p.y).toBeCloseTo(400, 6)
  })

  it('a rotated shape is revealed by its rotated bounds', () => {
    const box = shapeBounds({ kind: 'rect', x: 0, y: 0, w: 1600, h: 10, rotation: 90 })
    expect(box.h).toBeGreaterThan(1000)
    const c = revealCamera(box, size)
    const top = pageToScreen(c, { x: box.x, y: box.y })
    const bottom = pageToScreen(c, { x: box.x, y: box.y + box.h })
    expect(top.y).toBeGreaterThanOrEqual(0)
    expect(bottom.y).toBeLessThanOrEqual(size.h)
  })
})
