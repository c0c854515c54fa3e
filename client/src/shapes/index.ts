import { SHAPE_KINDS, type Shape, type ShapeKind } from '@easel/shared'
import { type Box, rotate, type Vec } from '../editor/geometry.ts'
import * as kinds from './kinds.ts'
import type { ShapeGeometry, ShapeUtil } from './types.ts'

export type { CreationTool, ShapeUtil, ShapeViewProps } from './types.ts'

/** Every kind's module, by kind: a kind of `SHAPE_KINDS` without one in kinds.ts does not compile. */
export const SHAPES: { readonly [K in ShapeKind]: ShapeUtil<K> } = kinds

export function shapeUtil(kind: ShapeKind): ShapeUtil {
  return SHAPES[kind]
}

/** The kinds in toolbar order. */
export const SHAPE_TOOL_KINDS: readonly ShapeKind[] = [...SHAPE_KINDS].sort(
  (a, b) => SHAPES[a].tool.order - SHAPES[b].tool.order,
)

/** Local-space bounding box of a shape's geometry, before its rotation and position. */
export function localBox(shape: ShapeGeometry & Pick<Shape, 'kind'>): Box {
  return SHAPES[shape.kind].localBox(shape)
}

/** Axis-aligned page bounds of a shape, including rotation. */
export function shapeBounds(shape: Pick<Shape, 'kind' | 'x' | 'y' | 'w' | 'h' | 'rotation' | 'points'>): Box {
  const b = localBox(shape)
  if (!shape.rotation) return { x: shape.x + b.x, y: shape.y + b.y, w: b.w, h: b.h }
  const corners = [
    { x: b.x, y: b.y },
    { x: b.x + b.w, y: b.y },
    { x: b.x, y: b.y + b.h },
    { x: b.x + b.w, y: b.y + b.h },
  ].map((c) => rotate(c, shape.rotation))
  const xs = corners.map((c) => c.x)
  const ys = corners.map((c) => c.y)
  const x = Math.min(...xs)
  const y = Math.min(...ys)
  return { x: shape.x + x, y: shape.y + y, w: Math.max(...xs) - x, h: Math.max(...ys) - y }
}

/** Whether page point `p` hits the shape, with `tolerance` page units of slack for thin strokes. */
export function hitTest(shape: Shape, p: Vec, tolerance: number): boolean {
  const local = rotate({ x: p.x - shape.x, y: p.y - shape.y }, -shape.rotation)
  return SHAPES[shape.kind].hitTest(shape, local, tolerance)
}

/** "the sticky note": how notices name a shape's kind. */
export function kindLabel(kind: ShapeKind): string {
  return SHAPES[kind].label
}

/** One value per kind, keyed by kind. */
export function byKind<T>(make: (kind: ShapeKind) => T): Record<ShapeKind, T> {
  const out = Object.fromEntries(SHAPE_KINDS.map((kind) => [kind, make(kind)]))
  // SHAPE_KINDS lists every ShapeKind, so every key of the record is set.
  return out as Record<ShapeKind, T>
}
