import type * as Y from 'yjs'
import {
  type CrdtProps,
  crdtProps,
  insertShape,
  newShapeId,
  type Shape,
  type ShapeKind,
  shapesMap,
  zBetween,
} from '@easel/shared'
import { arrowEnd, shapeUtil } from '../shapes/index.ts'
import { arrowGeometry, type Vec } from './geometry.ts'
import type { ReadModel } from './store/readModel.ts'
import { CREATE_ORIGIN, GEOMETRY_PROPS, LOCAL_ORIGIN, type ShapeUpdate, type Style } from './types.ts'

export type ShapeWritesContext = {
  doc: Y.Doc
  shapes: Pick<ReadModel, 'get' | 'values' | 'inOrder'>
  userId: string
  /** Style of new shapes. */
  style(): Style
  /** Whether a commit authority is connected (then creations are undone by a versioned delete). */
  versioned: boolean
  /** False while the board is view-only for this user: then every write is a no-op. */
  canWrite(): boolean
}

/** Tier-1 writes: creating shapes and changing their mergeable props, arrows following along. */
export class ShapeWrites {
  /** Shapes created in the current gesture: their writes are part of the creation step. */
  private readonly creating = new Set<string>()

  constructor(private readonly ctx: ShapeWritesContext) {}

  /** Without a commit authority (tier-1 tests), creations are plain undoable Yjs edits. */
  get createOrigin(): object {
    return this.ctx.versioned ? CREATE_ORIGIN : LOCAL_ORIGIN
  }

  /**
   * Every local change to the document goes through here or `create`: the one gate for a
   * view-only board (the server would drop the update anyway; this keeps the local copy honest).
   */
  transact(fn: () => void, origin: object = LOCAL_ORIGIN): void {
    if (!this.ctx.canWrite()) return
    this.ctx.doc.transact(fn, origin)
  }

  /** Z index above every current shape. */
  private topZ(): string {
    const shapes = this.ctx.shapes.inOrder()
    return zBetween(shapes.length ? shapes[shapes.length - 1]!.z : null, null)
  }

  create(kind: ShapeKind, props: Partial<CrdtProps> & Vec): string {
    const id = newShapeId()
    const base: CrdtProps = {
      kind,
      w: 0,
      h: 0,
      rotation: 0,
      z: this.topZ(),
      ...this.ctx.style(),
      ...shapeUtil(kind).defaults,
      createdBy: this.ctx.userId,
      ...props,
    }
    if (this.ctx.canWrite()) insertShape(this.ctx.doc, id, base, this.createOrigin)
    this.creating.add(id)
    return id
  }

  /** The shapes created since the last call (the current creation step). */
  takeCreated(): string[] {
    const ids = [...this.creating]
    this.creating.clear()
    return ids
  }

  /** The shapes are no longer being created (they were deleted). */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.creating.delete(id)
  }

  /** Sizes a text or sticky note to `text` (its committed text); arrows attached follow. */
  fitText(id: string, text: string): void {
    const shape = this.ctx.shapes.get(id)
    const props = shape && shapeUtil(shape.kind).fitText?.(shape, text)
    // Derived from the text, so not an undo step of its own.
    if (props) this.update([{ id, props }], true)
  }

  /**
   * Writes tier-1 props now (one transaction, one undo step unless `untracked`: a consequence of
   * another change that undoes itself). Invalid values are refused.
   */
  update(updates: ShapeUpdate[], untracked = false): void {
    const valid = updates.filter(({ id, props }) => {
      const shape = this.ctx.shapes.get(id)
      if (!shape) return false
      const check = crdtProps.safeParse({ ...shape, ...props })
      if (!check.success) console.warn(`refusing invalid update to ${id}`, check.error)
      return check.success
    })
    if (valid.length === 0) return
    // Arrows attached to moved shapes follow them, in the same transaction.
    const moved = valid.filter((u) => GEOMETRY_PROPS.some((k) => k in u.props)).map((u) => u.id)
    if (moved.length > 0) {
      const after = new Map(valid.map((u) => [u.id, { ...this.ctx.shapes.get(u.id)!, ...u.props }]))
      valid.push(...this.arrowsFollowing(moved, after).filter((u) => !after.has(u.id)))
    }
    const creating = valid.every((u) => this.creating.has(u.id))
    this.transact(
      () => {
        for (const { id, props } of valid) {
          const map = shapesMap(this.ctx.doc).get(id)
          if (!map) continue
          for (const [k, v] of Object.entries(props)) {
            if (v !== undefined && map.get(k) !== v) map.set(k, v)
          }
        }
      },
      creating || untracked ? this.createOrigin : LOCAL_ORIGIN,
    )
  }

  /** Geometry updates for arrows attached to any of `ids`, given shapes' (possibly future) state. */
  arrowsFollowing(ids: string[], state: Map<string, Shape> = new Map()): ShapeUpdate[] {
    const moved = new Set(ids)
    const get = (id: string) => state.get(id) ?? this.ctx.shapes.get(id)
    const out: ShapeUpdate[] = []
    for (const arrow of this.ctx.shapes.values()) {
      if (arrow.kind !== 'arrow') continue
      const { start, end } = arrow.binding
      if (!(start && moved.has(start)) && !(end && moved.has(end))) continue
      const s = start ? get(start) : undefined
      const e = end ? get(end) : undefined
      const geo = arrowGeometry(get(arrow.id) ?? arrow, s ? arrowEnd(s) : null, e ? arrowEnd(e) : null)
      out.push({ id: arrow.id, props: geo })
    }
    return out
  }
}
