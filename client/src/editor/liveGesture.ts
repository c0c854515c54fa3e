import type { CrdtProps } from '@easel/shared'
import type { History } from './history.ts'
import type { ReadModel } from './store/readModel.ts'
import { GEOMETRY_PROPS } from './types.ts'
import type { ShapeWrites } from './writes.ts'

export type LiveGestureContext = {
  shapes: Pick<ReadModel, 'patch' | 'read'>
  writes: Pick<ShapeWrites, 'update' | 'arrowsFollowing'>
  history: Pick<History, 'endGesture'>
  onChange(): void
  /** Runs `cb` before the next frame. */
  scheduleFrame?: (cb: () => void) => void
  /** Minimum interval between document writes during a gesture, in ms. */
  intervalMs: number
}

/**
 * Local overrides of tier-1 props during a gesture (drag, resize, drawing). Rendered instead of
 * the document's values, so a remote write to the same shape never makes it jump under the
 * pointer; written to the document at most once per frame.
 */
export class LiveGesture {
  private readonly overrides = new Map<string, Partial<CrdtProps>>()
  private readonly pendingWrites = new Map<string, Partial<CrdtProps>>()
  private frameScheduled = false
  private lastWrite = Number.NEGATIVE_INFINITY

  private readonly scheduleFrame: (cb: () => void) => void

  constructor(private readonly ctx: LiveGestureContext) {
    this.scheduleFrame =
      ctx.scheduleFrame ??
      ((cb) =>
        typeof requestAnimationFrame === 'function' ? requestAnimationFrame(() => cb()) : setTimeout(cb, 16))
  }

  overrideOf(id: string): Partial<CrdtProps> | undefined {
    return this.overrides.get(id)
  }

  setLive(id: string, props: Partial<CrdtProps>): void {
    if (!this.setLocal(id, props)) return
    this.queue(id, props)
    if (GEOMETRY_PROPS.some((k) => k in props)) {
      for (const u of this.ctx.writes.arrowsFollowing([id])) {
        this.setLocal(u.id, u.props)
        this.queue(u.id, u.props)
      }
    }
    if (!this.frameScheduled) {
      this.frameScheduled = true
      this.scheduleFrame(() => this.flushFrame())
    }
  }

  setLocal(id: string, props: Partial<CrdtProps>): boolean {
    if (!this.ctx.shapes.patch(id, props)) return false
    this.overrides.set(id, { ...this.overrides.get(id), ...props })
    this.ctx.onChange()
    return true
  }

  flushFrame(force = false): void {
    this.frameScheduled = false
    if (this.pendingWrites.size === 0) return
    const now = performance.now()
    if (!force && now - this.lastWrite < this.ctx.intervalMs) {
      this.frameScheduled = true
      this.scheduleFrame(() => this.flushFrame())
      return
    }
    this.lastWrite = now
    const updates = [...this.pendingWrites].map(([id, props]) => ({ id, props }))
    this.pendingWrites.clear()
    this.ctx.writes.update(updates)
  }

  endLive(): void {
    for (const [id, props] of this.overrides) {
      this.pendingWrites.set(id, { ...props, ...this.pendingWrites.get(id) })
    }
    this.flushFrame(true)
    const ids = [...this.overrides.keys()]
    this.overrides.clear()
    for (const id of ids) this.ctx.shapes.read(id)
    this.ctx.history.endGesture()
    this.ctx.onChange()
  }

  private queue(id: string, props: Partial<CrdtProps>): void {
    this.pendingWrites.set(id, { ...this.pendingWrites.get(id), ...props })
  }
}
