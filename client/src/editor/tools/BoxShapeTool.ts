import type { ShapeKind } from '@easel/shared'
import { boxFromPoints, type Vec } from '../geometry.ts'
import { movedBeyond } from './gesture.ts'
import { PointSnap, type SnapGuide } from './snapping.ts'
import type { PointerInfo, Tool, ToolContext } from './types.ts'

type State =
  | { name: 'idle' }
  | { name: 'pointing'; start: Vec; screen: Vec }
  | { name: 'drawing'; id: string; start: Vec; snap: PointSnap }

/** Default size of a shape created by a click instead of a drag. */
export const DEFAULT_BOX = { w: 160, h: 100 }

/**
 * Box-shaped kinds (rectangle, ellipse): press and drag out the box (shift keeps it square); a click creates a
 * default-size shape. The shape exists from the first movement, so others watch it grow. The dragged
 * corner snaps to other shapes' edges and centres (Ctrl or Cmd: not).
 */
export class BoxShapeTool implements Tool {
  private s: State = { name: 'idle' }
  readonly cursor = 'crosshair'

  constructor(
    private readonly editor: ToolContext,
    readonly id: ShapeKind,
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
    this.s = { name: 'pointing', start: e.page, screen: e.screen }
  }

  onPointerMove(e: PointerInfo): void {
    if (this.s.name === 'pointing' && movedBeyond(this.s.screen, e.screen)) {
      this.editor.beginGesture()
      const id = this.editor.createShape(this.id, { x: this.s.start.x, y: this.s.start.y, w: 1, h: 1 })
      this.s = {
        name: 'drawing',
        id,
        start: this.s.start,
        snap: new PointSnap(this.editor, [id], this.s.start),
      }
    }
    if (this.s.name === 'drawing') {
      // The dragged corner snaps to other shapes' edges and centres (not while keeping a square).
      let end = this.s.snap.apply(e.page, e.mod || e.shift)
      if (e.shift) {
        const side = Math.max(Math.abs(end.x - this.s.start.x), Math.abs(end.y - this.s.start.y))
        end = {
          x: this.s.start.x + Math.sign(end.x - this.s.start.x || 1) * side,
          y: this.s.start.y + Math.sign(end.y - this.s.start.y || 1) * side,
        }
      }
      const box = boxFromPoints(this.s.start, end)
      this.editor.setLive(this.s.id, { x: box.x, y: box.y, w: Math.max(1, box.w), h: Math.max(1, box.h) })
    }
  }

  onPointerUp(e: PointerInfo): void {
    if (this.s.name === 'drawing') {
      this.onPointerMove(e)
      const id = this.s.id
      this.editor.endLive()
      this.s = { name: 'idle' }
      this.editor.finishCreating(id)
    } else if (this.s.name === 'pointing') {
      const { start } = this.s
      this.s = { name: 'idle' }
      const id = this.editor.createShape(this.id, {
        x: start.x - DEFAULT_BOX.w / 2,
        y: start.y - DEFAULT_BOX.h / 2,
        ...DEFAULT_BOX,
      })
      this.editor.finishCreating(id)
    }
  }

  snapGuides(): readonly SnapGuide[] {
    return this.s.name === 'drawing' ? this.s.snap.guides : []
  }

  onCancel(): void {
    if (this.s.name === 'drawing') {
      const id = this.s.id
      this.editor.endLive()
      this.editor.deleteShapes([id])
    }
    this.s = { name: 'idle' }
  }
}
