import type { Shape } from '@easel/shared'

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
