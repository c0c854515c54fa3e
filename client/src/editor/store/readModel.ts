import * as Y from 'yjs'
import {
  type CrdtProps,
  readShape,
  type Shape,
  shapesMap,
  type VersionedValues,
  versionedMap,
} from '@easel/shared'
import { hitTest, shapeBounds } from '../../shapes/index.ts'
import { type Box, boxesIntersect, type Vec } from '../geometry.ts'

/** What the read model layers over the document's values. */
export type ReadModelContext = {
  doc: Y.Doc
  /** Versioned values of commits in flight for a shape: shown until the server answers. */
  pendingOf(id: string): Partial<VersionedValues> | undefined
  /** Local gesture overrides of a shape's tier-1 props. */
  overrideOf(id: string): Partial<CrdtProps> | undefined
  /** Shapes changed in the document (after they were read again). */
  onChange(): void
}

/** One entry of {@link ReadModel.changesSince}: a shape read again or patched. */
export type ShapeChange = {
  id: string
  /** Whether it was shown before the first of the changes reported (false: it appeared since). */
  existed: boolean
}

/** Changes kept for {@link ReadModel.changesSince}; a reader further behind is told to start over. */
const CHANGE_LOG_MAX = 4096

/**
 * Valid, not deleted shapes read from the Y.Doc, with pending commits and local overrides applied,
 * kept in paint order; invalid shapes are reported instead of rendered.
 */
export class ReadModel {
  private readonly shapes = new Map<string, Shape>()
  private sorted: Shape[] = []
  private orderDirty = true
  /** Invalid shapes seen in the document, with why. */
  readonly invalid = new Map<string, string>()
  /** Bumped whenever a shape's rendered value changes; lets the canvas skip work otherwise. */
  version = 0
  /** Recent changes as [version after the change, id, shown before it], oldest first. */
  private log: [number, string, boolean][] = []
  /** Changes up to this version are no longer in the log. */
  private logFrom = 0

  constructor(private readonly ctx: ReadModelContext) {}

  /** Reads every shape and follows the document from now on. */
  start(): void {
    for (const id of shapesMap(this.ctx.doc).keys()) this.read(id)
    shapesMap(this.ctx.doc).observeDeep(this.onShapesChanged)
    versionedMap(this.ctx.doc).observe(this.onVersionedChanged)
  }

  /** Reads one shape from the document again. */
  read(id: string): void {
    this.version++
    this.logChange(id)
    const map = shapesMap(this.ctx.doc).get(id)
    if (!map) {
      this.remove(id)
      this.invalid.delete(id)
      return
    }
    const result = readShape(id, map instanceof Y.Map ? map.toJSON() : map, versionedMap(this.ctx.doc))
    if (!result.ok) {
      if (!this.invalid.has(id)) console.warn(`skipping invalid shape ${id}: ${result.error}`)
      this.invalid.set(id, result.error)
      this.remove(id)
      return
    }
    this.invalid.delete(id)
    const pending = this.ctx.pendingOf(id)
    const shape = pending ? { ...result.shape, ...pending } : result.shape
    if (shape.deleted) {
      this.remove(id)
      return
    }
    const prev = this.shapes.get(id)
    const override = this.ctx.overrideOf(id)
    const next = override ? { ...shape, ...override } : shape
    if (!prev || prev.z !== next.z) this.orderDirty = true
    this.shapes.set(id, next)
  }

  /** Shows props on a shape without writing them (a gesture's override); false if it is not shown. */
  patch(id: string, props: Partial<CrdtProps>): boolean {
    const shape = this.shapes.get(id)
    if (!shape) return false
    this.shapes.set(id, { ...shape, ...props })
    this.version++
    this.logChange(id)
    return true
  }

  /**
   * The shapes changed (read again, patched, added or removed) after `version`, each once, or null
   * when that is too long ago to tell (treat everything as changed). Costs what changed, not the
   * board's size: the canvas uses it to keep its bitmap of unchanged shapes.
   */
  changesSince(version: number): ShapeChange[] | null {
    if (version < this.logFrom) return null
    const out = new Map<string, ShapeChange>()
    for (let i = this.log.length - 1; i >= 0 && this.log[i]![0] > version; i--) {
      const [, id, existed] = this.log[i]!
      // Walking backwards: the oldest entry of an id says whether it was shown before.
      out.set(id, { id, existed })
    }
    return [...out.values()].reverse()
  }

  private logChange(id: string): void {
    this.log.push([this.version, id, this.shapes.has(id)])
    if (this.log.length > CHANGE_LOG_MAX * 2) {
      const cut = this.log.length - CHANGE_LOG_MAX
      this.logFrom = this.log[cut - 1]![0]
      this.log = this.log.slice(cut)
    }
  }

  get(id: string): Shape | undefined {
    return this.shapes.get(id)
  }

  has(id: string): boolean {
    return this.shapes.has(id)
  }

  values(): IterableIterator<Shape> {
    return this.shapes.values()
  }

  /** Shapes in paint order (lowest z first). */
  inOrder(): readonly Shape[] {
    if (this.orderDirty) {
      this.sorted = [...this.shapes.values()].sort((a, b) =>
        a.z < b.z ? -1 : a.z > b.z ? 1 : a.id < b.id ? -1 : 1,
      )
      this.orderDirty = false
    } else {
      // Same order, fresh objects: replace stale entries in place.
      for (let i = 0; i < this.sorted.length; i++) {
        const s = this.shapes.get(this.sorted[i]!.id)
        if (s) this.sorted[i] = s
      }
    }
    return this.sorted
  }

  /**
   * Bounds per shape object (a changed shape is a new object), so hover and hit tests on every
   * pointer move do not walk every pen stroke's points.
   */
  private readonly bounds = new WeakMap<Shape, Box>()

  private boundsOf(s: Shape): Box {
    let b = this.bounds.get(s)
    if (!b) {
      b = shapeBounds(s)
      this.bounds.set(s, b)
    }
    return b
  }

  /** Topmost shape under a page point, within `tolerance` page units. */
  shapeAt(p: Vec, tolerance: number, filter: (s: Shape) => boolean = () => true): Shape | undefined {
    const shapes = this.inOrder()
    for (let i = shapes.length - 1; i >= 0; i--) {
      const s = shapes[i]!
      // A stroke reaches half its width beyond the shape's bounds.
      const b = this.boundsOf(s)
      const slack = tolerance + (s.strokeWidth || 0) / 2
      if (p.x < b.x - slack || p.x > b.x + b.w + slack || p.y < b.y - slack || p.y > b.y + b.h + slack)
        continue
      if (filter(s) && hitTest(s, p, tolerance)) return s
    }
    return undefined
  }

  inBox(box: Box): Shape[] {
    return this.inOrder().filter((s) => boxesIntersect(this.boundsOf(s), box))
  }

  /** The shape as the server last confirmed it (no optimistic values), deleted ones included. */
  readCommitted(id: string): Shape | undefined {
    const map = shapesMap(this.ctx.doc).get(id)
    if (!map) return undefined
    const r = readShape(id, map instanceof Y.Map ? map.toJSON() : map, versionedMap(this.ctx.doc))
    return r.ok ? r.shape : undefined
  }

  destroy(): void {
    shapesMap(this.ctx.doc).unobserveDeep(this.onShapesChanged)
    versionedMap(this.ctx.doc).unobserve(this.onVersionedChanged)
  }

  private remove(id: string): void {
    this.shapes.delete(id)
    this.orderDirty = true
  }

  private readonly onShapesChanged = (events: Y.YEvent<Y.AbstractType<unknown>>[]) => {
    const changed = new Set<string>()
    for (const event of events) {
      if (event.target === shapesMap(this.ctx.doc)) {
        for (const key of event.changes.keys.keys()) changed.add(key)
      } else {
        const id = event.path[0]
        if (typeof id === 'string') changed.add(id)
      }
    }
    for (const id of changed) this.read(id)
    this.ctx.onChange()
  }

  private readonly onVersionedChanged = (event: Y.YMapEvent<unknown>) => {
    for (const key of event.keysChanged) this.read(key.slice(0, key.lastIndexOf(':')))
    this.ctx.onChange()
  }
}
