import type { Shape } from '@easel/shared'
import { boxOutline, hitBox } from '../box.ts'
import { ICON } from '../icon.ts'
import { NODE, Text } from '../konva.ts'
import { colorAttr, esc } from '../svg.ts'
import { DEFAULT_FONT_SIZE, FONT_FAMILY, LINE_HEIGHT, type TextLayout, textBox } from '../textLayout.ts'
import type { ShapeUtil } from '../types.ts'

export { DEFAULT_FONT_SIZE, FONT_FAMILY, fontSize, LINE_HEIGHT } from '../textLayout.ts'
/** Colour of text with no colour of its own. */
export const INK = '#1e1e1e'

/** Laid-out lines as SVG text, one tspan per line, starting `pad` units in from the top left. */
export function svgText(layout: TextLayout, pad: number, color: string): string {
  const lines = layout.lines.map(
    (l, i) => `<tspan x="${pad}" dy="${i === 0 ? 0 : layout.lineHeight}">${esc(l)}</tspan>`,
  )
  return `<text x="${pad}" y="${pad}" font-family="${FONT_FAMILY}" font-size="${layout.fontSize}" fill="${color}" dominant-baseline="hanging" xml:space="preserve">${lines.join('')}</text>`
}

/** Konva props that draw laid-out lines as they are (no wrapping of Konva's own). */
export function konvaText(layout: TextLayout) {
  return {
    text: layout.lines.join('\n'),
    fontSize: layout.fontSize,
    fontFamily: FONT_FAMILY,
    lineHeight: LINE_HEIGHT,
    wrap: 'none',
  } as const
}

const ink = (s: Shape) => (s.stroke === 'transparent' ? INK : s.stroke)

export const text: ShapeUtil<'text'> = {
  kind: 'text',
  label: 'text',
  defaults: { fontSize: DEFAULT_FONT_SIZE },
  localBox: boxOutline,
  hitTest: hitBox,
  // A resize sets the width the text wraps in; the height follows the text.
  scale: (s, sx) => {
    const w = Math.max(1, s.w * sx)
    return { w, h: textBox({ ...s, w, fixedWidth: true }).h, fixedWidth: true }
  },
  fitText: (s, t) => {
    const { w, h } = textBox(s, t)
    return { w, h }
  },
  View: ({ shape, hideText, detail }) => (
    <Text {...NODE} visible={detail && !hideText} {...konvaText(textBox(shape).layout)} fill={ink(shape)} />
  ),
  toSvg: (s) => svgText(textBox(s).layout, 0, colorAttr(ink(s))),
  hasText: true,
  tool: {
    label: 'Text',
    key: 'T',
    order: 70,
    icon: <path {...ICON} d="M4 5V4h12v1M10 4v12M7.5 16h5" />,
    create: {
      type: 'place',
      size: { w: DEFAULT_FONT_SIZE, h: DEFAULT_FONT_SIZE * LINE_HEIGHT },
      centered: false,
    },
  },
}
