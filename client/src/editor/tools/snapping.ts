import type { Shape } from '@easel/shared'
import { shapeBounds } from '../../shapes/index.ts'
import { type Box, type Camera, unionBoxes, type Vec, viewportBox } from '../geometry.ts'

/** Screen pixels within which an edge or centre snaps to another shape's. */
export const SNAP_PX = 6
/** Most other shapes a gesture snaps to: the ones nearest to it in view. */
export const MAX_SNAP_CANDIDATES = 200

/**
 * A guide line in page space: `axis: 'x'` is vertical at x = `at`, from y = `from` to `to`;
 * `axis: 'y'` is horizontal at y = `at`, from x = `from` to `to`.
 */
export type SnapGuide = { axis: 'x' | 'y'; at: number; from: number; to: number }

export type Snap = { dx: number; dy: number; guides: SnapGuide[] }

/** Left, centre, right (or top, middle, bottom) of a box on one axis. */
function anchors(b: Box, axis: 'x' | 'y'): [number, number, number] {
  const lo = axis === 'x' ? b.x : b.y
  const size = axis === 'x' ? b.w : b.h
  return [lo, lo + size / 2, lo + size]
}

const finite = (b: Box) =>
  Number.isFinite(b.x) && Number.isFinite(b.y) && Number.isFinite(b.w) && Number.isFinite(b.h)

/** The smallest shift on one axis that puts an anchor of `box` on a candidate's, within `threshold`. */
function nearest(box: Box, candidates: readonly Box[], axis: 'x' | 'y', threshold: number): number {
  const mine = anchors(box, axis)
  let best = 0
  let bestAbs = Number.POSITIVE_INFINITY
  for (const c of candidates)
    for (const a of anchors(c, axis))
      for (const m of mine) {
        const d = a - m
        const abs = Math.abs(d)
        if (abs <= threshold && abs < bestAbs) {
          best = d
          bestAbs = abs
        }
      }
  return bestAbs === Number.POSITIVE_INFINITY ? 0 : best
}

/** Guides for every anchor of `box` that lies on a candidate's, one per line, spanning both boxes. */
function guidesFor(box: Box, candidates: readonly Box[], axis: 'x' | 'y'): SnapGuide[] {
  const eps = 1e-6
  const mine = anchors(box, axis)
  const other = axis === 'x' ? 'y' : 'x'
  const lines = new Map<number, SnapGuide>()
  for (const c of candidates)
    for (const a of anchors(c, axis)) {
      if (!mine.some((m) => Math.abs(a - m) < eps)) continue
      const [bLo, , bHi] = anchors(box, other)
      const [cLo, , cHi] = anchors(c, other)
      const from = Math.min(bLo, cLo)
      const to = Math.max(bHi, cHi)
      const key = Math.round(a * 1e4) / 1e4
      const g = lines.get(key)
      if (g) {
        g.from = Math.min(g.from, from)
        g.to = Math.max(g.to, to)
      } else lines.set(key, { axis, at: a, from, to })
    }
  return [...lines.values()]
}

/**
 * Snaps a box to other boxes: on each axis (unless `axes` turns it off), the shift that aligns one
 * of its edges or its centre with the nearest edge or centre of a candidate, if within `threshold`
 * page units; with the guides of every alignment that results.
 */
export function snapBox(
  box: Box,
  candidates: readonly Box[],
  threshold: number,
  axes: { x: boolean; y: boolean } = { x: true, y: true },
): Snap {
  if (!finite(box)) return { dx: 0, dy: 0, guides: [] }
  const dx = axes.x ? nearest(box, candidates, 'x', threshold) : 0
  const dy = axes.y ? nearest(box, candidates, 'y', threshold) : 0
  const moved = { ...box, x: box.x + dx, y: box.y + dy }
  const guides = [
    ...(axes.x ? guidesFor(moved, candidates, 'x') : []),
    ...(axes.y ? guidesFor(moved, candidates, 'y') : []),
  ]
  return { dx, dy, guides }
}

/** Snaps a point (a corner being drawn or dragged) to the candidates' edges and centres. */
export function snapPoint(p: Vec, candidates: readonly Box[], threshold: number): Snap {
  return snapBox({ x: p.x, y: p.y, w: 0, h: 0 }, candidates, threshold)
}

/**
 * The boxes a gesture snaps to: shapes in view that are not `excluded` nor attached to an excluded
 * one (an arrow that follows it), the `max` nearest to `around` (so a board of thousands of shapes
 * costs the same as a small one).
 */
export function snapCandidates(
  inView: readonly Shape[],
  excluded: ReadonlySet<string>,
  around: Box | null,
  max = MAX_SNAP_CANDIDATES,
): Box[] {
  const boxes = inView
    .filter(
      (s) =>
        !excluded.has(s.id) &&
        !(s.binding.start && excluded.has(s.binding.start)) &&
        !(s.binding.end && excluded.has(s.binding.end)),
    )
    .map(shapeBounds)
    .filter(finite)
  if (!around || boxes.length <= max) return boxes
  const cx = around.x + around.w / 2
  const cy = around.y + around.h / 2
  const dist = (b: Box) => Math.hypot(b.x + b.w / 2 - cx, b.y + b.h / 2 - cy)
  return boxes
    .map((b) => ({ b, d: dist(b) }))
    .sort((a, b) => a.d - b.d)
    .slice(0, max)
    .map((x) => x.b)
}

/** What snapping needs of the editor. */
export type SnapContext = {
  readonly camera: Camera
  readonly viewportSize: { w: number; h: number }
  shapesInBox(box: Box): Shape[]
}

/** Candidates for a gesture in the current view, nearest to `around` first. */
function inView(ctx: SnapContext, excluded: ReadonlySet<string>, around: Box | null): Box[] {
  return snapCandidates(ctx.shapesInBox(viewportBox(ctx.camera, ctx.viewportSize)), excluded, around)
}

/**
 * Snapping for one move gesture: candidates are taken once, when it starts (the shapes in view
 * other than the moving ones); each step snaps the moved box. Holding Ctrl (Cmd on macOS) turns
 * it off for that step.
 */
export class MoveSnap {
  guides: SnapGuide[] = []
  private readonly start: Box | null
  private readonly candidates: Box[]

  constructor(
    private readonly ctx: SnapContext,
    moving: readonly Shape[],
  ) {
    this.start = unionBoxes(moving.map(shapeBounds))
    this.candidates = inView(ctx, new Set(moving.map((s) => s.id)), this.start)
  }

  /** The move (dx, dy) from the start, adjusted to snap; `locked` axes are not snapped. */
  apply(dx: number, dy: number, disabled: boolean, locked: { x: boolean; y: boolean }): Vec {
    if (disabled || !this.start || this.candidates.length === 0) {
      this.guides = []
      return { x: dx, y: dy }
    }
    const box = { ...this.start, x: this.start.x + dx, y: this.start.y + dy }
    const snap = snapBox(box, this.candidates, SNAP_PX / this.ctx.camera.z, { x: !locked.x, y: !locked.y })
    this.guides = snap.guides
    return { x: dx + snap.dx, y: dy + snap.dy }
  }
}

/** Snapping for a point being dragged (the corner of a box being drawn), like {@link MoveSnap}. */
export class PointSnap {
  guides: SnapGuide[] = []
  private readonly candidates: Box[]

  constructor(
    private readonly ctx: SnapContext,
    excluded: Iterable<string>,
    around: Vec,
  ) {
    this.candidates = inView(ctx, new Set(excluded), { ...around, w: 0, h: 0 })
  }

  apply(p: Vec, disabled: boolean): Vec {
    if (disabled || this.candidates.length === 0) {
      this.guides = []
      return p
    }
    const snap = snapPoint(p, this.candidates, SNAP_PX / this.ctx.camera.z)
    this.guides = snap.guides
    return { x: p.x + snap.dx, y: p.y + snap.dy }
  }
}
