import type { ShapeKind } from '@easel/shared'
import { PEN_STRIDE } from '../../shapes/pen/outline.ts'
import type { Vec } from '../geometry.ts'
import type { PointerInfo, Tool, ToolContext } from './types.ts'

type State =
  | { name: 'idle' }
  | { name: 'drawing'; id: string; origin: Vec; points: number[]; lastWrite: number }

/** How often an in-progress stroke is written for others to see (the full point list each time). */
export const PEN_WRITE_INTERVAL_MS = 100

/**
 * Freehand pen: points are [x, y, pressure] triples relative to the stroke's first point. The
 * stroke is shown locally on every move and written to the board a few times a second while
 * drawing, then once more on release.
 */
export class PenTool implements Tool {
  readonly cursor = 'crosshair'
  private s: State = { name: 'idle' }

  constructor(
    private readonly editor: ToolContext,
    readonly id: ShapeKind,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get state(): string {
    return this.s.name
  }

  /**
   * Picking a drawing tool deselects: the selection is not shown while drawing, so the style panel
   * must style the next shape, not a hidden selected one.
   */
  onEnter(): void {
    this.editor.select([])
  }

  onPointerDown(e: PointerInfo): void {
    this.editor.beginGesture()
    const points = [0, 0, e.pressure || 0.5]
    const id = this.editor.createShape(this.id, { x: e.page.x, y: e.page.y, points })
    this.s = { name: 'drawing', id, origin: e.page, points, lastWrite: this.now() }
  }

  onPointerMove(e: PointerInfo): void {
    if (this.s.name !== 'drawing') return
    const { points, origin } = this.s
    const x = e.page.x - origin.x
    const y = e.page.y - origin.y
    const lx = points[points.length - PEN_STRIDE]!
    const ly = points[points.length - PEN_STRIDE + 1]!
    // Skip points closer than one screen pixel to the previous one.
    if (Math.hypot(x - lx, y - ly) * this.editor.camera.z < 1) return
    points.push(x, y, e.pressure || 0.5)
    const props = { points: [...points] }
    if (this.now() - this.s.lastWrite >= PEN_WRITE_INTERVAL_MS) {
      this.s.lastWrite = this.now()
      this.editor.setLive(this.s.id, props)
    } else {
      this.editor.setLocal(this.s.id, props)
    }
  }

  onPointerUp(e: PointerInfo): void {
    if (this.s.name !== 'drawing') return
    this.onPointerMove(e)
    const id = this.s.id
    this.editor.endLive()
    this.s = { name: 'idle' }
    this.editor.finishCreating(id)
  }

  onCancel(): void {
    if (this.s.name === 'drawing') this.onPointerUp(this.editor.pointerInfo({ x: 0, y: 0 }))
  }
}
