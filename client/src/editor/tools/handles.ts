import type { CrdtProps, Shape } from '@easel/shared'
import { localBox, shapeBounds, shapeUtil } from '../../shapes/index.ts'
import { lineEnds, rotate, unionBoxes, type Vec } from '../geometry.ts'

/**
 * The selection frame: a `w` × `h` box whose top-left corner is at (`x`, `y`) in page space, turned
 * by `rotation` degrees around that corner (the way shapes are).
 */
export type Frame = { x: number; y: number; w: number; h: number; rotation: number }

export const RESIZE_HANDLES = [
  'top-left',
  'top-center',
  'top-right',
  'middle-right',
  'bottom-right',
  'bottom-center',
  'bottom-left',
  'middle-left',
] as const
export type ResizeHandle = (typeof RESIZE_HANDLES)[number]
export type HandleId = ResizeHandle | 'rotate'

/** Side of a handle's square, in screen pixels. */
export const HANDLE_SIZE = 9
/** Distance of the rotate handle above the frame's top edge, in screen pixels. */
export const ROTATE_OFFSET = 50
/** Smallest frame side a resize may produce, in screen pixels. */
export const MIN_FRAME_PX = 4
/** Rotations the rotate handle snaps to when within {@link SNAP_TOLERANCE} degrees. */
export const ROTATION_SNAPS = [0, 45, 90, 135, 180, 225, 270, 315]
export const SNAP_TOLERANCE = 5
/** With shift held, rotation moves in steps of this many degrees. */
export const SHIFT_ROTATION_STEP = 15

/** Where each handle sits on the frame, as fractions of its width and height. */
const ANCHORS: Record<ResizeHandle, Vec> = {
  'top-left': { x: 0, y: 0 },
  'top-center': { x: 0.5, y: 0 },
  'top-right': { x: 1, y: 0 },
  'middle-right': { x: 1, y: 0.5 },
  'bottom-right': { x: 1, y: 1 },
  'bottom-center': { x: 0.5, y: 1 },
  'bottom-left': { x: 0, y: 1 },
  'middle-left': { x: 0, y: 0.5 },
}

/**
 * The frame around the selection: one shape's own (turned) box, or the axis-aligned box around
 * several shapes.
 */
export function selectionFrame(shapes: Shape[]): Frame | null {
  if (shapes.length === 1) {
    const s = shapes[0]!
    const b = localBox(s)
    const corner = rotate({ x: b.x, y: b.y }, s.rotation)
    return { x: s.x + corner.x, y: s.y + corner.y, w: b.w, h: b.h, rotation: s.rotation }
  }
  const box = unionBoxes(shapes.map(shapeBounds))
  return box && { ...box, rotation: 0 }
}

/** One end of a line or arrow. */
export type LineEnd = 'start' | 'end'

/** Whether a kind is drawn from one end to the other (line, arrow): it gets endpoint handles. */
export function hasEndpoints(shape: Pick<Shape, 'kind'>): boolean {
  return shapeUtil(shape.kind).tool.create.type === 'line'
}

/**
 * Page points of the endpoint handles of the selection: a single line or arrow gets one at each
 * end instead of a frame; anything else gets none.
 */
export function endpointHandles(shapes: Shape[]): { start: Vec; end: Vec } | null {
  if (shapes.length !== 1 || !hasEndpoints(shapes[0]!)) return null
  const [start, end] = lineEnds(shapes[0]!)
  return { start, end }
}

/** The endpoint handle under a page point at zoom `z` (the end drawn on top wins). */
export function endpointAt(ends: { start: Vec; end: Vec }, page: Vec, z: number): LineEnd | null {
  const reach = (ENDPOINT_RADIUS + 3) / z
  for (const end of ['end', 'start'] as const) {
    if (Math.hypot(page.x - ends[end].x, page.y - ends[end].y) <= reach) return end
  }
  return null
}

/** Radius of an endpoint handle's circle, in screen pixels. */
export const ENDPOINT_RADIUS = 6

/** Page point of a frame-local point (in frame units). */
export function framePoint(frame: Frame, local: Vec): Vec {
  const p = rotate(local, frame.rotation)
  return { x: frame.x + p.x, y: frame.y + p.y }
}

/** Frame-local point of a page point. */
function toLocal(frame: Frame, page: Vec): Vec {
  return rotate({ x: page.x - frame.x, y: page.y - frame.y }, -frame.rotation)
}

/** Page positions of the handles' centres at zoom `z`. */
export function handlePositions(frame: Frame, z: number): { id: HandleId; p: Vec }[] {
  const out: { id: HandleId; p: Vec }[] = RESIZE_HANDLES.map((id) => ({
    id,
    p: framePoint(frame, { x: ANCHORS[id].x * frame.w, y: ANCHORS[id].y * frame.h }),
  }))
  out.push({ id: 'rotate', p: framePoint(frame, { x: frame.w / 2, y: -ROTATE_OFFSET / z }) })
  return out
}

/** The handle under a page point at zoom `z`, if any. */
export function handleAt(frame: Frame, page: Vec, z: number): HandleId | null {
  const reach = (HANDLE_SIZE / 2 + 2) / z
  for (const { id, p } of handlePositions(frame, z).reverse()) {
    const d = rotate({ x: page.x - p.x, y: page.y - p.y }, -frame.rotation)
    if (Math.abs(d.x) <= reach && Math.abs(d.y) <= reach) return id
  }
  return null
}

const RESIZE_CURSORS = ['ns-resize', 'nesw-resize', 'ew-resize', 'nwse-resize']

/** The cursor over a handle, turned with the frame. */
export function handleCursor(handle: HandleId, rotation: number): string {
  if (handle === 'rotate') return 'crosshair'
  const a = ANCHORS[handle]
  const angle = (Math.atan2(a.x - 0.5, 0.5 - a.y) * 180) / Math.PI + rotation
  const step = Math.round((((angle % 180) + 180) % 180) / 45) % 4
  return RESIZE_CURSORS[step]!
}

/**
 * The frame after dragging a resize handle to page point `page`: edges move one side, corners move
 * two (`keepRatio`, shift, scales both evenly); `centered` (alt) resizes around the centre. Null if
 * it would get smaller than `min` on a side (or turn inside out).
 */
export function resizeFrame(
  frame: Frame,
  handle: ResizeHandle,
  page: Vec,
  centered: boolean,
  min: number,
  keepRatio = false,
): Frame | null {
  const to = toLocal(frame, page)
  const a = ANCHORS[handle]
  const pivot = centered ? { x: 0.5, y: 0.5 } : { x: 1 - a.x, y: 1 - a.y }
  const pivotPt = { x: pivot.x * frame.w, y: pivot.y * frame.h }
  const along = (axis: 'x' | 'y') => {
    const span = (a[axis] - pivot[axis]) * (axis === 'x' ? frame.w : frame.h)
    return span === 0 ? 1 : (to[axis] - pivotPt[axis]) / span
  }
  let sx = a.x === 0.5 ? 1 : along('x')
  let sy = a.y === 0.5 ? 1 : along('y')
  if (keepRatio && a.x !== 0.5 && a.y !== 0.5) {
    // A corner: scale evenly by how far the pointer is from the pivot along the diagonal.
    const corner = { x: a.x * frame.w, y: a.y * frame.h }
    const diag = { x: corner.x - pivotPt.x, y: corner.y - pivotPt.y }
    const len = Math.hypot(diag.x, diag.y)
    const dx = to.x - pivotPt.x
    const dy = to.y - pivotPt.y
    const k = len === 0 ? 1 : Math.sign(dx * diag.x + dy * diag.y || 1) * (Math.hypot(dx, dy) / len)
    sx = k
    sy = k
  }
  const w = frame.w * sx
  const h = frame.h * sy
  if (w < min || h < min) return null
  const origin = framePoint(frame, { x: pivotPt.x - pivot.x * w, y: pivotPt.y - pivot.y * h })
  return { x: origin.x, y: origin.y, w, h, rotation: frame.rotation }
}

/**
 * The frame's rotation after the pointer moved from `start` to `page` around its centre: snapped to
 * {@link ROTATION_SNAPS} when close, or to {@link SHIFT_ROTATION_STEP} steps with shift.
 */
export function rotationTo(frame: Frame, start: Vec, page: Vec, shift: boolean): number {
  const c = framePoint(frame, { x: frame.w / 2, y: frame.h / 2 })
  const angle = (p: Vec) => (Math.atan2(p.y - c.y, p.x - c.x) * 180) / Math.PI
  const raw = frame.rotation + angle(page) - angle(start)
  if (shift) return normalize(Math.round(raw / SHIFT_ROTATION_STEP) * SHIFT_ROTATION_STEP)
  const r = normalize(raw)
  for (const snap of ROTATION_SNAPS) {
    const d = Math.abs(normalize(r - snap + 180) - 180)
    if (d < SNAP_TOLERANCE) return snap
  }
  return r
}

/** The frame turned to `rotation` around its centre. */
export function rotateFrame(frame: Frame, rotation: number): Frame {
  const c = framePoint(frame, { x: frame.w / 2, y: frame.h / 2 })
  const corner = rotate({ x: -frame.w / 2, y: -frame.h / 2 }, rotation)
  return { ...frame, x: c.x + corner.x, y: c.y + corner.y, rotation }
}

function normalize(deg: number): number {
  return ((deg % 360) + 360) % 360
}

/**
 * Props that carry shapes from frame `from` to frame `to`: their positions follow the frame,
 * their size scales with it and their rotation turns with it.
 */
export function fitShapes(
  shapes: Shape[],
  from: Frame,
  to: Frame,
): { id: string; props: Partial<CrdtProps> }[] {
  const sx = from.w === 0 ? 1 : to.w / from.w
  const sy = from.h === 0 ? 1 : to.h / from.h
  return shapes.map((s) => {
    const local = toLocal(from, s)
    const p = framePoint(to, { x: local.x * sx, y: local.y * sy })
    const rotation = normalize(s.rotation + to.rotation - from.rotation)
    return { id: s.id, props: scaledProps(s, sx, sy, p.x, p.y, rotation) }
  })
}

/** Folds a scale into the shape's own geometry, so stored shapes never carry a scale. */
export function scaledProps(
  shape: Shape,
  sx: number,
  sy: number,
  x: number,
  y: number,
  rotation: number,
): Partial<CrdtProps> {
  return { x, y, rotation, ...shapeUtil(shape.kind).scale(shape, sx, sy) }
}
