import { ICON } from '../icon.ts'
import { line, lineSvg } from '../line/index.tsx'
import { Arrow, NODE, paint } from '../konva.ts'
import { colorAttr } from '../svg.ts'
import type { ShapeUtil } from '../types.ts'

const headLength = (strokeWidth: number) => 10 + strokeWidth * 2

/** A line with a head at its end; its ends may be bound to shapes (see arrowGeometry). */
export const arrow: ShapeUtil<'arrow'> = {
  ...line,
  kind: 'arrow',
  label: 'arrow',
  View: ({ shape }) => (
    <Arrow
      {...NODE}
      points={shape.points ?? []}
      stroke={paint(shape.stroke)}
      fill={paint(shape.stroke)}
      strokeWidth={shape.strokeWidth}
      pointerLength={headLength(shape.strokeWidth)}
      pointerWidth={headLength(shape.strokeWidth)}
      lineCap="round"
      lineJoin="round"
    />
  ),
  toSvg(s) {
    const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = s.points ?? []
    const a = Math.atan2(y1 - y0, x1 - x0)
    const len = headLength(s.strokeWidth)
    const p = (d: number) => `${x1 - len * Math.cos(a + d)},${y1 - len * Math.sin(a + d)}`
    return `${lineSvg(s)}<polygon points="${x1},${y1} ${p(0.45)} ${p(-0.45)}" fill="${colorAttr(s.stroke)}"/>`
  },
  tool: {
    label: 'Arrow',
    key: 'A',
    order: 50,
    icon: <path {...ICON} d="M4 16L16 4M9 4h7v7" />,
    create: { type: 'line', bindsEnds: true },
  },
}
