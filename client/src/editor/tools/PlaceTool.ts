import type { ShapeKind } from '@easel/shared'
import type { CreationTool } from '../../shapes/index.ts'
import type { PointerInfo, Tool, ToolContext } from './types.ts'

/** Text and sticky notes: a click places the shape (centred, or starting at the click) and opens it for editing. */
export class PlaceTool implements Tool {
  readonly cursor = 'crosshair'
  readonly state = 'idle'

  constructor(
    private readonly editor: ToolContext,
    readonly id: ShapeKind,
    private readonly options: Extract<CreationTool, { type: 'place' }>,
  ) {}

  /**
   * Picking a drawing tool deselects: the selection is not shown while drawing, so the style panel
   * must style the next shape, not a hidden selected one.
   */
  onEnter(): void {
    this.editor.select([])
  }

  onPointerUp(e: PointerInfo): void {
    const { size, centered } = this.options
    const id = this.editor.createShape(this.id, {
      x: e.page.x - (centered ? size.w / 2 : 0),
      y: e.page.y - size.h / 2,
      ...size,
    })
    this.editor.finishCreating(id)
    this.editor.onTextShapeCreated?.(id)
  }
}
