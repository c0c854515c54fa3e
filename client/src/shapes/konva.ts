/**
 * What the board draws with in Konva. The react-konva components are its core build plus only the
 * shapes used: `react-konva`'s main entry imports all of `konva` (every shape, the transformer,
 * every filter), which the first page load would download and parse for nothing. Import Konva
 * components from here, not from `react-konva`.
 */
import 'konva/lib/shapes/Arrow.js'
import 'konva/lib/shapes/Circle.js'
import 'konva/lib/shapes/Ellipse.js'
import 'konva/lib/shapes/Line.js'
import 'konva/lib/shapes/Path.js'
import 'konva/lib/shapes/Rect.js'
import 'konva/lib/shapes/Text.js'

import type { Shape } from '@easel/shared'

export {
  Arrow,
  Circle,
  Ellipse,
  Group,
  Layer,
  Line,
  Path,
  Rect,
  Stage,
  Text,
} from 'react-konva/lib/ReactKonvaCore.js'

/** Props every shape node gets: no hit canvas, no event listening, cheaper strokes. */
export const NODE = { perfectDrawEnabled: false, shadowForStrokeEnabled: false, listening: false } as const

/** A colour for Konva: transparent is no paint at all. */
export function paint(color: string): string | undefined {
  return color === 'transparent' ? undefined : color
}

/** Stroke and fill of an outlined shape (rectangle, ellipse, diamond). */
export function outlinePaint(shape: Shape) {
  return { stroke: paint(shape.stroke), strokeWidth: shape.strokeWidth, fill: paint(shape.fill) }
}
