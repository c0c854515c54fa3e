import type * as Y from 'yjs'
import {
  type CrdtProps,
  crdtProps,
  insertShape,
  newOpId,
  newShapeId,
  type Shape,
  zBetween,
  zBetweenN,
} from '@easel/shared'
import { shapeBounds } from '../shapes/index.ts'
import { boxesIntersect, unionBoxes, type Vec } from './geometry.ts'
import type { ClipboardData, ShapeUpdate } from './types.ts'
import type { VersionedOps } from './versionedOps.ts'
import type { ShapeWrites } from './writes.ts'

export type ClipboardContext = {
  doc: Y.Doc
  /** Shapes in paint order. */
  shapes(): readonly Shape[]
  writes: Pick<ShapeWrites, 'transact' | 'createOrigin'>
  versioned: Pick<VersionedOps, 'recordCreation' | 'commit'> | null
  select(ids: string[]): void
}

export function toClipboardShape(s: Shape): ClipboardData['shapes'][number] {
  const props = crdtProps.parse(s)
  return { ...props, id: s.id, text: s.text || undefined }
}

export function copyOf(shapes: Shape[]): ClipboardData | null {
  return shapes.length ? { type: 'easel/shapes', shapes: shapes.map(toClipboardShape) } : null
}

/** Copies of shapes shifted by `offset`, on top of everything, selected. */
export function insertCopies(ctx: ClipboardContext, shapes: ClipboardData['shapes'], offset: Vec): string[] {
  const sorted = [...shapes].sort((a, b) => (a.z < b.z ? -1 : 1))
  const zs = zBetweenN(ctx.shapes().at(-1)?.z ?? null, null, sorted.length)
  const ids: string[] = []
  const rows: [string, CrdtProps][] = []
  const texts: { id: string; text: string }[] = []
  sorted.forEach((s, i) => {
    const { id: _id, text, ...props } = s
    const parsed = crdtProps.safeParse({ ...props, x: s.x + offset.x, y: s.y + offset.y, z: zs[i] })
    if (!parsed.success) return
    const id = newShapeId()
    ids.push(id)
    rows.push([id, parsed.data])
    if (text) texts.push({ id, text })
  })
  // One transaction: the nested ones of insertShape join it.
  ctx.writes.transact(() => {
    for (const [id, props] of rows) insertShape(ctx.doc, id, props)
  }, ctx.writes.createOrigin)
  ctx.versioned?.recordCreation(ids)
  // Text is versioned: the copies get theirs through a commit (their first value needs no lease).
  if (texts.length > 0 && ctx.versioned) {
    void ctx.versioned.commit(
      {
        opId: newOpId(),
        ops: texts.map((t) => ({ shapeId: t.id, field: 'text' as const, baseVersion: 0, value: t.text })),
      },
      'paste text',
    )
  }
  ctx.select(ids)
  return ids
}

/** Pastes clipboard shapes centred on `at` (page point). */
export function paste(ctx: ClipboardContext, data: ClipboardData, at: Vec): string[] {
  const box = unionBoxes(data.shapes.map((s) => shapeBounds(s)))
  if (!box) return []
  return insertCopies(ctx, data.shapes, { x: at.x - (box.x + box.w / 2), y: at.y - (box.y + box.h / 2) })
}

/** How far each repeated paste of the same clipboard at the same spot lands from the previous one. */
export const PASTE_STEP = 20

/**
 * Where pastes land: centred on the point asked for, and each repeat of the same clipboard at the
 * same point {@link PASTE_STEP} further down and right, so copies do not stack exactly.
 */
export class PastePlacement {
  private last: { key: string; at: Vec; count: number } | null = null

  /** The centre for pasting `data` at `at`; `tolerance` (page units) is how far counts as the same point. */
  next(data: ClipboardData, at: Vec, tolerance: number): Vec {
    const key = JSON.stringify(data.shapes)
    const l = this.last
    const same = !!l && l.key === key && Math.hypot(at.x - l.at.x, at.y - l.at.y) <= tolerance
    const count = same ? l.count + 1 : 0
    this.last = { key, at, count }
    return { x: at.x + count * PASTE_STEP, y: at.y + count * PASTE_STEP }
  }
}

/** Gap between what is on the board and shapes imported beside it. */
export const IMPORT_GAP = 80

/**
 * The offset that puts imported shapes beside what is on the board: their top-left corner
 * {@link IMPORT_GAP} right of the board's bounds, level with its top. Nothing on the board: in place.
 */
export function importOffset(board: readonly Shape[], imported: ClipboardData['shapes']): Vec {
  const have = unionBoxes(board.map((s) => shapeBounds(s)))
  const add = unionBoxes(imported.map((s) => shapeBounds(s)))
  if (!have || !add) return { x: 0, y: 0 }
  return { x: have.x + have.w + IMPORT_GAP - add.x, y: have.y - add.y }
}

/** New z indices putting `selected` above (or below) every other shape, keeping their order. */
export function restack(all: readonly Shape[], selected: Shape[], to: 'front' | 'back'): ShapeUpdate[] {
  const sel = [...selected].sort((a, b) => (a.z < b.z ? -1 : 1))
  if (!sel.length) return []
  const ids = new Set(sel.map((s) => s.id))
  const others = all.filter((s) => !ids.has(s.id))
  const zs =
    to === 'front'
      ? zBetweenN(others.at(-1)?.z ?? null, null, sel.length)
      : zBetweenN(null, others[0]?.z ?? null, sel.length)
  return sel.map((s, i) => ({ id: s.id, props: { z: zs[i]! } }))
}

/**
 * New z indices moving each selected shape one step: just above (or below) the next shape it
 * overlaps, and no further; a shape that overlaps nothing in that direction stays. Selected shapes
 * keep their order among themselves.
 */
export function restackStep(
  all: readonly Shape[],
  selected: Shape[],
  dir: 'forward' | 'backward',
): ShapeUpdate[] {
  const ids = new Set(selected.map((s) => s.id))
  const order = [...all]
  const z = new Map(order.map((s) => [s.id, s.z]))
  const moving = order.filter((s) => ids.has(s.id))
  const step = dir === 'forward' ? 1 : -1
  if (dir === 'forward') moving.reverse()
  const updates: ShapeUpdate[] = []
  for (const s of moving) {
    const i = order.indexOf(s)
    const box = shapeBounds(s)
    let target = -1
    for (let k = i + step; k >= 0 && k < order.length; k += step) {
      const o = order[k]!
      if (!ids.has(o.id) && boxesIntersect(box, shapeBounds(o))) {
        target = k
        break
      }
    }
    if (target < 0) continue
    // Forward: between the target and the shape above it; backward: the one below it and the target.
    const [lo, hi] =
      dir === 'forward' ? [order[target], order[target + 1]] : [order[target - 1], order[target]]
    const key = keyBetween(lo ? z.get(lo.id)! : null, hi ? z.get(hi.id)! : null)
    if (!key) continue
    order.splice(i, 1)
    order.splice(target, 0, s)
    z.set(s.id, key)
    updates.push({ id: s.id, props: { z: key } })
  }
  return updates
}

/** A key between two (possibly odd, from another client) keys, or null when there is none. */
function keyBetween(a: string | null, b: string | null): string | null {
  if (a !== null && b !== null && a >= b) return null
  try {
    return zBetween(a, b)
  } catch {
    return null
  }
}
