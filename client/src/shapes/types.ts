import type { ReactNode } from 'react'
import type { CrdtProps, Shape, ShapeKind } from '@easel/shared'
import type { Box, Vec } from '../editor/geometry.ts'

/** What a kind's outline is computed from (clipboard shapes have no versioned state). */
export type ShapeGeometry = Pick<Shape, 'w' | 'h' | 'points'>

export type ShapeViewProps = {
  shape: Shape
  /** True while this user edits the shape's text in the overlay. */
  hideText: boolean
  /** False when zoomed far out: text and shadows are skipped (too small to see, costly to draw). */
  detail: boolean
}

/** Which of the generic creation tools (client/src/editor/tools) makes a kind, with its options. */
export type CreationTool =
  /** Drag out a box (shift keeps it square); a click makes a default-size one. */
  | { type: 'box' }
  /** Press at one end, release at the other. */
  | { type: 'line'; bindsEnds: boolean }
  /** Freehand points. */
  | { type: 'pen' }
  /** A click places a shape of `size` and opens its text for editing. */
  | { type: 'place'; size: { w: number; h: number }; centered: boolean }

/**
 * Everything the app knows about one kind of shape. Geometry is in the shape's local space: before
 * its rotation, relative to (x, y).
 */
export type ShapeUtil<K extends ShapeKind = ShapeKind> = {
  kind: K
  /** How notices name the kind: "the sticky note". */
  label: string
  /** Props of a new shape of this kind, over the current style. */
  defaults: Partial<CrdtProps>
  localBox(shape: ShapeGeometry): Box
  /**
   * How far along `dir`, from the centre of the local box, the outline lies: the outline point is
   * centre + dir × the result (arrow ends stop there). Optional: the local box's edge by default.
   */
  rayToOutline?(shape: ShapeGeometry, dir: Vec): number
  /** Whether local point `p` hits the shape, with `tolerance` units of slack for thin strokes. */
  hitTest(shape: Shape, p: Vec, tolerance: number): boolean
  /** Folds a resize by (sx, sy) into the shape's own geometry (stored shapes never carry a scale). */
  scale(shape: Shape, sx: number, sy: number): Partial<CrdtProps>
  /** Konva nodes in local space; they do not listen to events (hit testing is the editor's). */
  View(props: ShapeViewProps): ReactNode
  /** SVG elements in local space. */
  toSvg(shape: Shape): string
  /** Whether double-click or Enter edits the shape's text. */
  hasText: boolean
  /** The size the shape takes to show `text` (text and sticky notes grow with their text). */
  fitText?(shape: Shape, text: string): Partial<CrdtProps>
  tool: {
    label: string
    /** Keyboard shortcut: one letter, free among the tools and the other shortcuts. */
    key: string
    /** Position in the toolbar, ascending. */
    order: number
    /** The icon's SVG elements in a 20×20 box. */
    icon: ReactNode
    create: CreationTool
  }
}
