import type { Vec } from '../geometry.ts'

/** Screen-pixel distance a pointer must travel before a press becomes a drag. */
export const DRAG_THRESHOLD = 3

export function movedBeyond(a: Vec, b: Vec, px = DRAG_THRESHOLD): boolean {
  return Math.hypot(a.x - b.x, a.y - b.y) > px
}
