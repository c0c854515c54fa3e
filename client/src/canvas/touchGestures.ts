import type { Vec } from '../editor/geometry.ts'

/** What two-finger gestures do to the board. */
export type TouchTarget = {
  /** The two fingers moved from `from` to `to` (screen points): pan and zoom to follow them. */
  pinch(from: [Vec, Vec], to: [Vec, Vec]): void
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
  private last: [Vec, Vec] | null = null
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
      this.last = this.fingers()
    }
    return this.pinched
  }

  move(id: number, p: Vec): boolean {
    if (!this.touches.has(id)) return false
    this.touches.set(id, p)
    if (!this.pinched) return false
    if (this.touches.size < 2 || !this.last) return true
    const now = this.fingers()
    this.target.pinch(this.last, now)
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

  private fingers(): [Vec, Vec] {
    const [a, b] = [...this.touches.values()] as [Vec, Vec]
    return [a, b]
  }
}
