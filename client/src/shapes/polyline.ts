import type { Shape } from '@easel/shared'
import type { Box, Vec } from '../editor/geometry.ts'

/**
 * Helpers for the kinds drawn through `points`, flat tuples of `stride` numbers whose first two are
 * x and y (line and arrow: [x, y] pairs, pen: [x, y, pressure] triples).
 */
export function pointsBox(points: readonly number[], stride: number): Box {
  let minX = Number.POSITIVE_INFINITY
  let minY = Number.POSITIVE_INFINITY
  let maxX = Number.NEGATIVE_INFINITY
  let maxY = Number.NEGATIVE_INFINITY
  for (let i = 0; i + 1 < points.length; i += stride) {
    const x = points[i]!
    const y = points[i + 1]!
    if (x < minX) minX = x
    if (y < minY) minY = y
    if (x > maxX) maxX = x
    if (y > maxY) maxY = y
  }
  return { x: minX, y: minY, w: maxX - minX, h: maxY - minY }
}

/** The box of the points, or of w × h when there are none yet. */
export function polylineBox(shape: Pick<Shape, 'w' | 'h' | 'points'>, stride: number): Box {
  return shape.points?.length ? pointsBox(shape.points, stride) : { x: 0, y: 0, w: shape.w, h: shape.h }
}

function distToSegment(p: Vec, a: Vec, b: Vec): number {
  const dx = b.x - a.x
  const dy = b.y - a.y
  const len2 = dx * dx + dy * dy
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2))
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy))
}

/** Whether `p` lies within half the stroke width (plus `tolerance`) of the polyline. */
export function hitPolyline(shape: Shape, stride: number, p: Vec, tolerance: number): boolean {
  const pts = shape.points ?? []
  const slack = tolerance + shape.strokeWidth / 2
  if (pts.length < stride + 2) {
    return pts.length >= 2 && Math.hypot(p.x - pts[0]!, p.y - pts[1]!) <= slack
  }
  for (let i = 0; i + stride + 1 < pts.length; i += stride) {
    const a = { x: pts[i]!, y: pts[i + 1]! }
    const b = { x: pts[i + stride]!, y: pts[i + stride + 1]! }
    if (distToSegment(p, a, b) <= slack) return true
  }
  return false
}

/** Scales x and y of every point (other components, such as pressure, stay). */
export function scalePoints(shape: Shape, stride: number, sx: number, sy: number) {
  const points = (shape.points ?? []).map((v, i) =>
    i % stride === 0 ? v * sx : i % stride === 1 ? v * sy : v,
  )
  return { points, w: shape.w * sx, h: shape.h * sy }
}
