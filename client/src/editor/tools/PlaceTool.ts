import type { ShapeKind } from '@easel/shared'
import type { CreationTool } from '../../shapes/index.ts'
import type { Vec } from '../geometry.ts'
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
    placeShape(this.editor, this.id, this.options, e.page)
  }
}

/** Places a shape of a "place" kind at a page point, selects it and opens its text for editing. */
export function placeShape(
  editor: ToolContext,
  kind: ShapeKind,
  { size, centered }: Extract<CreationTool, { type: 'place' }>,
  at: Vec,
): string {
  const id = editor.createShape(kind, {
    x: at.x - (centered ? size.w / 2 : 0),
    y: at.y - size.h / 2,
    ...size,
  })
  editor.finishCreating(id)
  editor.onTextShapeCreated?.(id)
  return id
}
