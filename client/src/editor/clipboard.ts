import type * as Y from 'yjs'
import {
  type CrdtProps,
  crdtProps,
  insertShape,
  newOpId,
  newShapeId,
  type Shape,
  zBetweenN,
} from '@easel/shared'
import { shapeBounds } from '../shapes/index.ts'
import { unionBoxes, type Vec } from './geometry.ts'
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

/** Pastes clipboard shapes centred on `at` (page point), or offset from the originals. */
export function paste(ctx: ClipboardContext, data: ClipboardData, at?: Vec): string[] {
  const box = unionBoxes(data.shapes.map((s) => shapeBounds(s)))
  if (!box) return []
  const offset = at ? { x: at.x - (box.x + box.w / 2), y: at.y - (box.y + box.h / 2) } : { x: 24, y: 24 }
  return insertCopies(ctx, data.shapes, offset)
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
