import type { Shape } from '@easel/shared'
import type { Box, Vec } from '../editor/geometry.ts'
import type { ShapeGeometry } from './types.ts'

/** Geometry of the kinds that fill their box (w × h at the origin). */
export function boxOutline(shape: ShapeGeometry): Box {
  return { x: 0, y: 0, w: shape.w, h: shape.h }
}

export function hitBox(shape: Shape, p: Vec, tolerance: number): boolean {
  return p.x >= -tolerance && p.y >= -tolerance && p.x <= shape.w + tolerance && p.y <= shape.h + tolerance
}

export function scaleBox(shape: Shape, sx: number, sy: number) {
  return { w: Math.max(1, shape.w * sx), h: Math.max(1, shape.h * sy) }
}

/** How far along `dir`, from the centre of `box`, its edge lies (0 for a zero direction or box). */
export function rayToBox(box: Pick<Box, 'w' | 'h'>, dir: Vec): number {
  const sx = dir.x === 0 ? Number.POSITIVE_INFINITY : box.w / 2 / Math.abs(dir.x)
  const sy = dir.y === 0 ? Number.POSITIVE_INFINITY : box.h / 2 / Math.abs(dir.y)
  const s = Math.min(sx, sy)
  return Number.isFinite(s) ? s : 0
}
