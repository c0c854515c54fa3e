import type { ShapeKind } from '@easel/shared'
import type { CreationTool } from '../../shapes/index.ts'
import type { Vec } from '../geometry.ts'
import { movedBeyond } from './gesture.ts'
import type { PointerInfo, Tool, ToolContext } from './types.ts'

type State =
  | { name: 'idle' }
  | { name: 'pointing'; start: Vec; screen: Vec }
  | { name: 'drawing'; id: string; start: Vec }

/**
 * Line and arrow: press at one end, release at the other (shift snaps to 15° steps). With `bindsEnds`
 * the ends attach to the shapes they are pressed and released over; the shape under the pointer,
 * which an end would attach to, is the tool's `bindTarget` (highlighted).
 */
export class LineTool implements Tool {
  private s: State = { name: 'idle' }
  private target: string | null = null
  readonly cursor = 'crosshair'

  constructor(
    private readonly editor: ToolContext,
    readonly id: ShapeKind,
    private readonly options: Extract<CreationTool, { type: 'line' }>,
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

  /** The id of the shape being drawn, if any (the arrow binding step needs it). */
  get drawingId(): string | null {
    return this.s.name === 'drawing' ? this.s.id : null
  }

  bindTarget(): string | null {
    return this.target
  }

  onPointerDown(e: PointerInfo): void {
    this.s = { name: 'pointing', start: e.page, screen: e.screen }
  }

  onPointerMove(e: PointerInfo): void {
    if (this.s.name === 'pointing' && movedBeyond(this.s.screen, e.screen)) {
      this.editor.beginGesture()
      const { start } = this.s
      const id = this.editor.createShape(this.id, { x: start.x, y: start.y, points: [0, 0, 0, 0] })
      this.s = { name: 'drawing', id, start }
    }
    let end = e.page
    if (this.s.name === 'drawing') {
      let dx = e.page.x - this.s.start.x
      let dy = e.page.y - this.s.start.y
      if (e.shift) {
        const step = Math.PI / 12
        const angle = Math.round(Math.atan2(dy, dx) / step) * step
        const len = Math.hypot(dx, dy)
        dx = Math.cos(angle) * len
        dy = Math.sin(angle) * len
      }
      this.editor.setLive(this.s.id, { points: [0, 0, dx, dy], w: Math.abs(dx), h: Math.abs(dy) })
      end = { x: this.s.start.x + dx, y: this.s.start.y + dy }
    }
    // Where the end is (shift may turn it off the pointer), as bindArrowEnds will see it.
    if (this.options.bindsEnds) this.setTarget(this.editor.bindTargetAt(end, this.drawingId)?.id ?? null)
  }

  private setTarget(id: string | null): void {
    if (id === this.target) return
    this.target = id
    this.editor.notifyChange()
  }

  onPointerUp(e: PointerInfo): void {
    if (this.s.name === 'drawing') {
      this.onPointerMove(e)
      const id = this.s.id
      this.editor.endLive()
      this.s = { name: 'idle' }
      this.setTarget(null)
      if (this.options.bindsEnds) this.editor.bindArrowEnds(id)
      this.editor.finishCreating(id)
      return
    }
    this.s = { name: 'idle' }
  }

  onExit(): void {
    this.setTarget(null)
  }

  onCancel(): void {
    this.setTarget(null)
    if (this.s.name === 'drawing') {
      const id = this.s.id
      this.editor.endLive()
      this.editor.deleteShapes([id])
    }
    this.s = { name: 'idle' }
  }
}
