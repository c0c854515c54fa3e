import type { Shape } from '@easel/shared'

export type Vec = { x: number; y: number }
export type Box = { x: number; y: number; w: number; h: number }

/** Camera: a page point p is drawn at screen point (p + camera) * z. */
export type Camera = { x: number; y: number; z: number }

export const MIN_ZOOM = 0.05
export const MAX_ZOOM = 8

export function screenToPage(camera: Camera, p: Vec): Vec {
  return { x: p.x / camera.z - camera.x, y: p.y / camera.z - camera.y }
}

export function pageToScreen(camera: Camera, p: Vec): Vec {
  return { x: (p.x + camera.x) * camera.z, y: (p.y + camera.y) * camera.z }
}

/** The camera after zooming to `z`, keeping the page point under screen point `anchor` fixed. */
export function zoomAt(camera: Camera, anchor: Vec, z: number): Camera {
  const nz = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z))
  const p = screenToPage(camera, anchor)
  return { x: anchor.x / nz - p.x, y: anchor.y / nz - p.y, z: nz }
}

/** The page-space rectangle visible in a viewport of the given screen size. */
export function viewportBox(camera: Camera, size: { w: number; h: number }): Box {
  return { x: -camera.x, y: -camera.y, w: size.w / camera.z, h: size.h / camera.z }
}

/** The camera that fits `box` into a viewport with some padding. */
export function fitCamera(box: Box, size: { w: number; h: number }, padding = 64): Camera {
  const z = Math.min(
    MAX_ZOOM,
    Math.max(
      MIN_ZOOM,
      Math.min((size.w - padding * 2) / Math.max(box.w, 1), (size.h - padding * 2) / Math.max(box.h, 1)),
    ),
  )
  return { z, x: size.w / 2 / z - (box.x + box.w / 2), y: size.h / 2 / z - (box.y + box.h / 2) }
}

export function rotate(p: Vec, deg: number): Vec {
  if (deg === 0) return p
  const r = (deg * Math.PI) / 180
  const c = Math.cos(r)
  const s = Math.sin(r)
  return { x: p.x * c - p.y * s, y: p.x * s + p.y * c }
}

export function unionBoxes(boxes: Box[]): Box | null {
  if (boxes.length === 0) return null
  let minX = Number.POSITIVE_INFINITY
  let minY = Number.POSITIVE_INFINITY
  let maxX = Number.NEGATIVE_INFINITY
  let maxY = Number.NEGATIVE_INFINITY
  for (const b of boxes) {
    minX = Math.min(minX, b.x)
    minY = Math.min(minY, b.y)
    maxX = Math.max(maxX, b.x + b.w)
    maxY = Math.max(maxY, b.y + b.h)
  }
  return { x: minX, y: minY, w: maxX - minX, h: maxY - minY }
}

/** Whether `inner` lies entirely inside `outer`. */
export function boxContains(outer: Box, inner: Box): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.w <= outer.x + outer.w &&
    inner.y + inner.h <= outer.y + outer.h
  )
}

export function boxesIntersect(a: Box, b: Box): boolean {
  return a.x <= b.x + b.w && b.x <= a.x + a.w && a.y <= b.y + b.h && b.y <= a.y + a.h
}

/** Normalises a box drawn from `a` to `b` in any direction. */
export function boxFromPoints(a: Vec, b: Vec): Box {
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(a.x - b.x), h: Math.abs(a.y - b.y) }
}

/** Page points of a line's or arrow's two ends (its points turned by its rotation). */
export function lineEnds(line: Pick<Shape, 'x' | 'y' | 'rotation' | 'points'>): [Vec, Vec] {
  const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = line.points ?? []
  const a = rotate({ x: x0, y: y0 }, line.rotation)
  const b = rotate({ x: x1, y: y1 }, line.rotation)
  return [
    { x: line.x + a.x, y: line.y + a.y },
    { x: line.x + b.x, y: line.y + b.y },
  ]
}

/** An arrow end attached to a shape: aimed from `center`, it stops where `exit` says. */
export type ArrowEnd = { center: Vec; exit(toward: Vec): Vec }

/**
 * Geometry of an arrow whose ends may be attached to shapes: each attached end sits just off its
 * shape's outline, on the line between the two ends' anchors (shape centres or free ends).
 */
export function arrowGeometry(
  arrow: Pick<Shape, 'x' | 'y' | 'rotation' | 'points'>,
  start: ArrowEnd | null,
  end: ArrowEnd | null,
): { x: number; y: number; w: number; h: number; rotation: number; points: number[] } {
  const [freeStart, freeEnd] = lineEnds(arrow)
  const anchorStart = start ? start.center : freeStart
  const anchorEnd = end ? end.center : freeEnd
  const s = start ? start.exit(anchorEnd) : freeStart
  const e = end ? end.exit(anchorStart) : freeEnd
  return {
    x: s.x,
    y: s.y,
    w: Math.abs(e.x - s.x),
    h: Math.abs(e.y - s.y),
    rotation: 0,
    points: [0, 0, e.x - s.x, e.y - s.y],
  }
}
