import { describe, expect, it } from 'vitest'
import { pinchCamera } from '../editor/camera.ts'
import type { Vec } from '../editor/geometry.ts'
import { TouchGestures } from './touchGestures.ts'

function board() {
  const log: string[] = []
  const target = {
    camera: { x: 0, y: 0, z: 1 },
    pinch(from: [Vec, Vec], to: [Vec, Vec]) {
      target.camera = pinchCamera(target.camera, from, to)
    },
    cancel: () => log.push('cancel'),
  }
  return { target, log, touch: new TouchGestures(target) }
}

describe('touch gestures', () => {
  it('one finger is the tool’s; mouse and pen never start a gesture', () => {
    const { touch, log } = board()
    expect(touch.down(1, 'touch', { x: 10, y: 10 })).toBe(false)
    expect(touch.move(1, { x: 20, y: 20 })).toBe(false)
    expect(touch.up(1)).toBe(false)
    expect(touch.down(2, 'mouse', { x: 0, y: 0 })).toBe(false)
    expect(touch.down(3, 'pen', { x: 0, y: 0 })).toBe(false)
    expect(log).toEqual([])
  })

  it('a second finger cancels the tool’s press, then the two pan and pinch-zoom around their midpoint', () => {
    const { touch, target, log } = board()
    touch.down(1, 'touch', { x: 100, y: 100 })
    expect(touch.down(2, 'touch', { x: 200, y: 100 })).toBe(true)
    expect(log).toEqual(['cancel'])
    // Spread to twice the distance around the same midpoint: zoom ×2, the midpoint stays put.
    expect(touch.move(1, { x: 50, y: 100 })).toBe(true)
    touch.move(2, { x: 250, y: 100 })
    expect(target.camera.z).toBeCloseTo(2)
    const page = (s: { x: number; y: number }) => ({
      x: s.x / target.camera.z - target.camera.x,
      y: s.y / target.camera.z - target.camera.y,
    })
    expect(page({ x: 150, y: 100 }).x).toBeCloseTo(150)
    // Both fingers move 30 px down: the board follows.
    const before = page({ x: 150, y: 130 })
    touch.move(1, { x: 50, y: 130 })
    touch.move(2, { x: 250, y: 130 })
    expect(page({ x: 150, y: 130 }).y).toBeCloseTo(before.y - 30 / target.camera.z, 0)
    // The finger left after the pinch does nothing until all have lifted; then one finger is the tool's again.
    expect(touch.up(2)).toBe(true)
    expect(touch.move(1, { x: 80, y: 80 })).toBe(true)
    expect(touch.up(1)).toBe(true)
    expect(touch.down(3, 'touch', { x: 10, y: 10 })).toBe(false)
  })
})
