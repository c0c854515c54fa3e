import { boxOutline, hitBox, scaleBox } from '../box.ts'
import { ICON } from '../icon.ts'
import { NODE, outlinePaint, Rect } from '../konva.ts'
import { outlineAttrs } from '../svg.ts'
import type { ShapeUtil } from '../types.ts'

export const rect: ShapeUtil<'rect'> = {
  kind: 'rect',
  label: 'rectangle',
  defaults: {},
  localBox: boxOutline,
  hitTest: hitBox,
  scale: scaleBox,
  View: ({ shape }) => (
    <Rect {...NODE} {...outlinePaint(shape)} width={shape.w} height={shape.h} cornerRadius={4} />
  ),
  toSvg: (s) => `<rect width="${s.w}" height="${s.h}" rx="4" ${outlineAttrs(s)}/>`,
  hasText: false,
  tool: {
    label: 'Rectangle',
    key: 'R',
    order: 10,
    icon: <rect {...ICON} x="3.5" y="5" width="13" height="10" rx="1.5" />,
    create: { type: 'box' },
  },
}
