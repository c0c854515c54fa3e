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
