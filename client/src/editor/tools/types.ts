import type { CrdtProps, Shape, ShapeKind } from '@easel/shared'
import type { Box, Camera, Vec } from '../geometry.ts'
import type { GroupFocus } from '../groups.ts'
import type { Frame, HandleId, LineEnd } from './handles.ts'
import type { SnapGuide } from './snapping.ts'

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
  readonly id: string
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
  /** The selection frame and its handles the canvas draws, if the tool shows them. */
  handles?(): { frame: Frame; active: HandleId | null } | null
  /** Alignment guides to draw while the gesture snaps (page space). */
  snapGuides?(): readonly SnapGuide[]
  /** The endpoint handles of a selected line or arrow the canvas draws, if the tool shows them. */
  endpoints?(): { start: Vec; end: Vec; active: LineEnd | null } | null
  /** The shape an arrow end being drawn or dragged would attach to (the canvas highlights it). */
  bindTarget?(): string | null
}

/** What tools use of the editor (the editor implements it). */
export interface ToolContext {
  readonly camera: Camera
  readonly viewportSize: { w: number; h: number }
  readonly groups: GroupFocus
  readonly selectedIds: ReadonlySet<string>
  readonly onTextShapeCreated?: (id: string) => void
  shapeAt(p: Vec, filter?: (s: Shape) => boolean): Shape | undefined
  shapesInBox(box: Box): Shape[]
  getSelectedShapes(): Shape[]
  getShape(id: string): Shape | undefined
  withGroups(ids: Iterable<string>): string[]
  select(ids: Iterable<string>): void
  createShape(kind: ShapeKind, props: Partial<CrdtProps> & Vec): string
  deleteShapes(ids: Iterable<string>): void
  setLive(id: string, props: Partial<CrdtProps>): void
  setLocal(id: string, props: Partial<CrdtProps>): boolean
  beginGesture(): void
  endLive(): void
  finishCreating(id: string | null): void
  bindArrowEnds(arrowId: string): void
  /** The shape under page point `p` an end of arrow `arrowId` would attach to. */
  bindTargetAt(p: Vec, arrowId: string | null): Shape | undefined
  /** Attaches one end of an arrow to `target`, or detaches it (null), through a versioned commit. */
  retargetArrowEnd(arrowId: string, end: LineEnd, target: string | null): void
  detachMovedArrows(ids: Iterable<string>): void
  panBy(dxScreen: number, dyScreen: number): void
  pointerInfo(screen: Vec, mods?: Partial<Omit<PointerInfo, 'page' | 'screen'>>): PointerInfo
  /** Something the tool shows (its cursor) changed without a change to the board. */
  notifyChange(): void
}
