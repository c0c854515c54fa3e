import { boxOutline, scaleBox } from '../box.ts'
import { ICON } from '../icon.ts'
import { Ellipse, NODE, outlinePaint } from '../konva.ts'
import { outlineAttrs } from '../svg.ts'
import type { ShapeUtil } from '../types.ts'

export const ellipse: ShapeUtil<'ellipse'> = {
  kind: 'ellipse',
  label: 'ellipse',
  defaults: {},
  localBox: boxOutline,
  rayToOutline(shape, dir) {
    const k = Math.hypot(dir.x / (shape.w / 2), dir.y / (shape.h / 2))
    return Number.isFinite(k) && k > 0 ? 1 / k : 0
  },
  hitTest(shape, p, tolerance) {
    const rx = shape.w / 2 + tolerance
    const ry = shape.h / 2 + tolerance
    const dx = p.x - shape.w / 2
    const dy = p.y - shape.h / 2
    return (dx * dx) / (rx * rx) + (dy * dy) / (ry * ry) <= 1
  },
  scale: scaleBox,
  View: ({ shape }) => (
    <Ellipse
      {...NODE}
      {...outlinePaint(shape)}
      x={shape.w / 2}
      y={shape.h / 2}
      radiusX={shape.w / 2}
      radiusY={shape.h / 2}
    />
  ),
  toSvg: (s) =>
    `<ellipse cx="${s.w / 2}" cy="${s.h / 2}" rx="${s.w / 2}" ry="${s.h / 2}" ${outlineAttrs(s)}/>`,
  hasText: false,
  tool: {
    label: 'Ellipse',
    key: 'O',
    order: 30,
    icon: <ellipse {...ICON} cx="10" cy="10" rx="7" ry="5.5" />,
    create: { type: 'box' },
  },
}
