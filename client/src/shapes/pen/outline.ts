import { getStroke } from 'perfect-freehand'

/** Pen points: [x, y, pressure] triples relative to the stroke's first point. */
export const PEN_STRIDE = 3

/** Smoothed outline polygon of a pen stroke, as flat [x, y, ...]. */
export function penOutline(points: readonly number[], strokeWidth: number): number[] {
  const input: number[][] = []
  for (let i = 0; i + 1 < points.length; i += PEN_STRIDE) {
    input.push([points[i]!, points[i + 1]!, points[i + 2] ?? 0.5])
  }
  const outline = getStroke(input, {
    size: Math.max(2, strokeWidth * 2.5),
    thinning: 0.5,
    smoothing: 0.5,
    streamline: 0.5,
    simulatePressure: input.every((p) => p[2] === 0.5),
    // Without this the streamlined ink stops short of the last point (where the pointer is).
    last: true,
  })
  return outline.flat()
}
