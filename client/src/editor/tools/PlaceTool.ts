import type { PointerInfo, Tool, ToolContext } from './types.ts'

export const TEXT_SIZE = { w: 240, h: 40 }
export const STICKY_SIZE = { w: 200, h: 200 }

/** Text and sticky notes: a click places the shape and opens it for editing. */
export class PlaceTool implements Tool {
  readonly cursor = 'crosshair'
  readonly state = 'idle'

  constructor(
    private readonly editor: ToolContext,
    readonly id: 'text' | 'sticky',
  ) {}

  /**
   * Picking a drawing tool deselects: the selection is not shown while drawing, so the style panel
   * must style the next shape, not a hidden selected one.
   */
  onEnter(): void {
    this.editor.select([])
  }

  onPointerUp(e: PointerInfo): void {
    const size = this.id === 'text' ? TEXT_SIZE : STICKY_SIZE
    const id = this.editor.createShape(this.id, {
      x: e.page.x - (this.id === 'sticky' ? size.w / 2 : 0),
      y: e.page.y - size.h / 2,
      ...size,
    })
    this.editor.finishCreating(id)
    this.editor.onTextShapeCreated?.(id)
  }
}
