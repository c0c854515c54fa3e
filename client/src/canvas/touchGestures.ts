import type { Vec } from '../editor/geometry.ts'

/** What two-finger gestures do to the board. */
export type TouchTarget = {
  readonly camera: { z: number }
  panBy(dxScreen: number, dyScreen: number): void
  zoomTo(z: number, anchor: Vec): void
  /** Ends the tool's press the first finger started (a half-drawn shape goes away). */
  cancel(): void
}

/**
 * Touch on the canvas: one finger is the current tool; a second finger turns the touch into a
 * pan (the midpoint moves the board) and pinch zoom (around the midpoint), until every finger has
 * lifted. Points are screen coordinates relative to the canvas.
 */
export class TouchGestures {
  private readonly touches = new Map<number, Vec>()
  private last: { mid: Vec; dist: number } | null = null
  /** A pinch happened: the fingers left on the screen do nothing until all have lifted. */
  private pinched = false

  constructor(private readonly target: TouchTarget) {}

  /** A pointer went down; true when it is the gesture's (the tool must not get it). */
  down(id: number, pointerType: string, p: Vec): boolean {
    if (pointerType !== 'touch') return false
    this.touches.set(id, p)
    if (this.touches.size === 2 && !this.pinched) {
      this.target.cancel()
      this.pinched = true
      this.last = this.measure()
    }
    return this.pinched
  }

  move(id: number, p: Vec): boolean {
    if (!this.touches.has(id)) return false
    this.touches.set(id, p)
    if (!this.pinched) return false
    if (this.touches.size < 2 || !this.last) return true
    const now = this.measure()
    this.target.panBy(now.mid.x - this.last.mid.x, now.mid.y - this.last.mid.y)
    if (this.last.dist > 0 && now.dist > 0) {
      this.target.zoomTo(this.target.camera.z * (now.dist / this.last.dist), now.mid)
    }
    this.last = now
    return true
  }

  /** A pointer lifted or was cancelled; true when it was the gesture's. */
  up(id: number): boolean {
    if (!this.touches.delete(id)) return false
    const mine = this.pinched
    if (this.touches.size < 2) this.last = null
    if (this.touches.size === 0) this.pinched = false
    return mine
  }

  private measure(): { mid: Vec; dist: number } {
    const [a, b] = [...this.touches.values()] as [Vec, Vec]
    return { mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }, dist: Math.hypot(b.x - a.x, b.y - a.y) }
  }
}
