import type { Shape } from '@easel/shared'
import { ICON } from '../icon.ts'
import { Line, NODE, paint } from '../konva.ts'
import { hitPolyline, polylineBox, scalePoints } from '../polyline.ts'
import { colorAttr } from '../svg.ts'
import type { ShapeUtil } from '../types.ts'

/** Line and arrow points: [x0, y0, x1, y1] relative to (x, y). */
export const LINE_STRIDE = 2

export const line: ShapeUtil<'line'> = {
  kind: 'line',
  label: 'line',
  defaults: {},
  localBox: (shape) => polylineBox(shape, LINE_STRIDE),
  hitTest: (shape, p, tolerance) => hitPolyline(shape, LINE_STRIDE, p, tolerance),
  scale: (shape, sx, sy) => scalePoints(shape, LINE_STRIDE, sx, sy),
  View: ({ shape }) => (
    <Line
      {...NODE}
      points={shape.points ?? []}
      stroke={paint(shape.stroke)}
      strokeWidth={shape.strokeWidth}
      lineCap="round"
      hitStrokeWidth={0}
    />
  ),
  toSvg: lineSvg,
  hasText: false,
  tool: {
    label: 'Line',
    key: 'L',
    order: 40,
    icon: <path {...ICON} d="M4 16L16 4" />,
    create: { type: 'line', bindsEnds: false },
  },
}

export function lineSvg(s: Shape): string {
  const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = s.points ?? []
  return `<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y1}" stroke="${colorAttr(s.stroke)}" stroke-width="${s.strokeWidth}" stroke-linecap="round"/>`
}
