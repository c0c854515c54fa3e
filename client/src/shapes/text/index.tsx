import { Text } from 'react-konva'
import type { Shape } from '@easel/shared'
import { boxOutline, hitBox, scaleBox } from '../box.ts'
import { ICON } from '../icon.ts'
import { NODE } from '../konva.ts'
import { colorAttr, esc } from '../svg.ts'
import type { ShapeUtil } from '../types.ts'

export const DEFAULT_FONT_SIZE = 20
export const FONT_FAMILY = 'system-ui, sans-serif'
export const LINE_HEIGHT = 1.25
/** Colour of text with no colour of its own. */
export const INK = '#1e1e1e'

export const fontSize = (s: Pick<Shape, 'fontSize'>) => s.fontSize ?? DEFAULT_FONT_SIZE

/** The shape's text as SVG, one tspan per line, starting `pad` units in from its top left. */
export function svgText(s: Shape, pad: number, color: string): string {
  const size = fontSize(s)
  const lines = s.text
    .split('\n')
    .map((l, i) => `<tspan x="${pad}" dy="${i === 0 ? 0 : size * LINE_HEIGHT}">${esc(l)}</tspan>`)
  return `<text x="${pad}" y="${pad}" font-family="${FONT_FAMILY}" font-size="${size}" fill="${color}" dominant-baseline="hanging">${lines.join('')}</text>`
}

export const text: ShapeUtil<'text'> = {
  kind: 'text',
  label: 'text',
  defaults: { fontSize: DEFAULT_FONT_SIZE },
  localBox: boxOutline,
  hitTest: hitBox,
  scale: scaleBox,
  View: ({ shape, hideText, detail }) => (
    <Text
      {...NODE}
      visible={detail}
      width={shape.w}
      height={Math.max(shape.h, fontSize(shape) * 1.3)}
      text={hideText ? '' : shape.text || ' '}
      fontSize={fontSize(shape)}
      fontFamily={FONT_FAMILY}
      lineHeight={LINE_HEIGHT}
      fill={shape.stroke === 'transparent' ? INK : shape.stroke}
      wrap="word"
    />
  ),
  toSvg: (s) => svgText(s, 0, colorAttr(s.stroke)),
  hasText: true,
  tool: {
    label: 'Text',
    key: 'T',
    order: 70,
    icon: <path {...ICON} d="M4 5V4h12v1M10 4v12M7.5 16h5" />,
    create: { type: 'place', size: { w: 240, h: 40 }, centered: false },
  },
}
