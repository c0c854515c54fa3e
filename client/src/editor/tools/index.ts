import type { ShapeKind } from '@easel/shared'
import { byKind, SHAPE_TOOL_KINDS, shapeUtil } from '../../shapes/index.ts'
import { HandTool } from './HandTool.ts'
import { LineTool } from './LineTool.ts'
import { PenTool } from './PenTool.ts'
import { BoxShapeTool } from './BoxShapeTool.ts'
import { SelectTool } from './SelectTool.ts'
import { PlaceTool } from './PlaceTool.ts'
import type { Tool, ToolContext } from './types.ts'

export type { PointerInfo, Tool, ToolContext, ToolOverlay } from './types.ts'

export type ToolId = 'select' | 'hand' | ShapeKind

/** Every tool in toolbar order: select and hand, then one creation tool per shape kind. */
export const TOOL_IDS: readonly ToolId[] = ['select', 'hand', ...SHAPE_TOOL_KINDS]

/** The creation tool a shape kind's module names, with its options. */
function creationTool(editor: ToolContext, kind: ShapeKind): Tool {
  const create = shapeUtil(kind).tool.create
  switch (create.type) {
    case 'box':
      return new BoxShapeTool(editor, kind)
    case 'line':
      return new LineTool(editor, kind, create)
    case 'pen':
      return new PenTool(editor, kind)
    case 'place':
      return new PlaceTool(editor, kind, create)
  }
}

export function createTools(editor: ToolContext): Record<ToolId, Tool> {
  return {
    select: new SelectTool(editor),
    hand: new HandTool(editor),
    ...byKind((kind) => creationTool(editor, kind)),
  }
}
