import { HandTool } from './HandTool.ts'
import { LineTool } from './LineTool.ts'
import { PenTool } from './PenTool.ts'
import { BoxShapeTool } from './BoxShapeTool.ts'
import { SelectTool } from './SelectTool.ts'
import { PlaceTool } from './PlaceTool.ts'
import type { Tool, ToolContext } from './types.ts'

export type { PointerInfo, Tool, ToolContext, ToolOverlay } from './types.ts'

export const TOOL_IDS = [
  'select',
  'hand',
  'rect',
  'ellipse',
  'line',
  'arrow',
  'pen',
  'text',
  'sticky',
] as const
export type ToolId = (typeof TOOL_IDS)[number]

/** The stock tools, each driven through the editor's tool context. */
export function createTools(editor: ToolContext): Record<ToolId, Tool> {
  return {
    select: new SelectTool(editor),
    hand: new HandTool(editor),
    rect: new BoxShapeTool(editor, 'rect'),
    ellipse: new BoxShapeTool(editor, 'ellipse'),
    line: new LineTool(editor, 'line'),
    arrow: new LineTool(editor, 'arrow'),
    pen: new PenTool(editor),
    text: new PlaceTool(editor, 'text'),
    sticky: new PlaceTool(editor, 'sticky'),
  }
}
