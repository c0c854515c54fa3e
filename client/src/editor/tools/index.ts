import type { ShapeKind } from '@easel/shared'
import { byKind, SHAPE_TOOL_KINDS, shapeUtil } from '../../shapes/index.ts'
import type { Editor } from '../Editor.ts'
import type { Box, Vec } from '../geometry.ts'
import { HandTool } from './HandTool.ts'
import { LineTool } from './LineTool.ts'
import { PenTool } from './PenTool.ts'
import { BoxShapeTool } from './BoxShapeTool.ts'
import { SelectTool } from './SelectTool.ts'
import { PlaceTool } from './PlaceTool.ts'

export type ToolId = 'select' | 'hand' | ShapeKind

/** Every tool in toolbar order: select and hand, then one creation tool per shape kind. */
export const TOOL_IDS: readonly ToolId[] = ['select', 'hand', ...SHAPE_TOOL_KINDS]

/** A pointer event in both coordinate spaces, as the canvas normalises it. */
export type PointerInfo = {
  page: Vec
  screen: Vec
  shift: boolean
  alt: boolean
  /** Ctrl on Linux/Windows, Cmd on macOS. */
  mod: boolean
  button: number
  pressure: number
}

/** What a tool wants drawn on top of the shapes (in page space). */
export type ToolOverlay = { kind: 'marquee'; box: Box }

/**
 * A tool is a small state machine driven by normalised pointer events; it changes the board only
 * through the editor's operations, so it can be tested without a canvas.
 */
export interface Tool {
  readonly id: ToolId
  /** Name of the current state, for tests and debugging. */
  readonly state: string
  readonly cursor: string
  onEnter?(): void
  onExit?(): void
  onPointerDown?(e: PointerInfo): void
  onPointerMove?(e: PointerInfo): void
  onPointerUp?(e: PointerInfo): void
  onCancel?(): void
  overlay?(): ToolOverlay | null
}

/** The creation tool a shape kind's module names, with its options. */
function creationTool(editor: Editor, kind: ShapeKind): Tool {
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

export function createTools(editor: Editor): Record<ToolId, Tool> {
  return {
    select: new SelectTool(editor),
    hand: new HandTool(editor),
    ...byKind((kind) => creationTool(editor, kind)),
  }
}

/** Screen-pixel distance a pointer must travel before a press becomes a drag. */
export const DRAG_THRESHOLD = 3

export function movedBeyond(a: Vec, b: Vec, px = DRAG_THRESHOLD): boolean {
  return Math.hypot(a.x - b.x, a.y - b.y) > px
}
