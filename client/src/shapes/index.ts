import { SHAPE_KINDS, type Shape, type ShapeKind } from '@easel/shared'
import { type ArrowEnd, type Box, rotate, type Vec } from '../editor/geometry.ts'
import { rayToBox } from './box.ts'
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

type Placed = Pick<Shape, 'kind' | 'x' | 'y' | 'w' | 'h' | 'rotation' | 'points'>

/** Page point of the centre of a shape's local box (turned with the shape). */
export function shapeCenter(shape: Placed): Vec {
  const b = localBox(shape)
  const c = rotate({ x: b.x + b.w / 2, y: b.y + b.h / 2 }, shape.rotation)
  return { x: shape.x + c.x, y: shape.y + c.y }
}

/**
 * Where the ray from the shape's centre towards page point `toward` crosses its outline (the
 * kind's `rayToOutline`, else its box), `gap` units further out; `toward` itself if it is nearer.
 */
export function outlinePoint(shape: Placed, toward: Vec, gap = 0): Vec {
  const util = SHAPES[shape.kind]
  const b = util.localBox(shape)
  const c = { x: b.x + b.w / 2, y: b.y + b.h / 2 }
  const t = rotate({ x: toward.x - shape.x, y: toward.y - shape.y }, -shape.rotation)
  const dir = { x: t.x - c.x, y: t.y - c.y }
  const len = Math.hypot(dir.x, dir.y)
  if (!(len > 0)) return toward
  const s = (util.rayToOutline ? util.rayToOutline(shape, dir) : rayToBox(b, dir)) + gap / len
  if (!(s < 1)) return toward
  const p = rotate({ x: c.x + dir.x * s, y: c.y + dir.y * s }, shape.rotation)
  return { x: shape.x + p.x, y: shape.y + p.y }
}

/** Space between an attached arrow's end and its shape's outline, in page units. */
export const ARROW_GAP = 6

/** An arrow end attached to `shape`: aimed from its centre, stopping just off its outline. */
export function arrowEnd(shape: Placed): ArrowEnd {
  return { center: shapeCenter(shape), exit: (toward) => outlinePoint(shape, toward, ARROW_GAP) }
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
