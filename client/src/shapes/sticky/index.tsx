import { Rect, Text } from 'react-konva'
import { boxOutline, hitBox, scaleBox } from '../box.ts'
import { ICON } from '../icon.ts'
import { NODE } from '../konva.ts'
import { colorAttr } from '../svg.ts'
import { DEFAULT_FONT_SIZE, FONT_FAMILY, fontSize, INK, LINE_HEIGHT, svgText } from '../text/index.tsx'
import type { ShapeUtil } from '../types.ts'

/** A new note's fill, also what a note with a transparent fill shows. */
export const STICKY_FILL = '#fff3a3'
/** Padding between a sticky note's edge and its text. */
export const STICKY_PADDING = 14

const noteFill = (fill: string) => (fill === 'transparent' ? STICKY_FILL : fill)

export const sticky: ShapeUtil<'sticky'> = {
  kind: 'sticky',
  label: 'sticky note',
  defaults: { fill: STICKY_FILL, stroke: INK, strokeWidth: 0, fontSize: DEFAULT_FONT_SIZE },
  localBox: boxOutline,
  hitTest: hitBox,
  scale: scaleBox,
  View: ({ shape, hideText, detail }) => (
    <>
      <Rect
        {...NODE}
        width={shape.w}
        height={shape.h}
        fill={noteFill(shape.fill)}
        cornerRadius={6}
        shadowColor="rgba(0,0,0,0.25)"
        shadowBlur={8}
        shadowOffsetY={3}
        shadowEnabled={detail}
      />
      <Text
        visible={detail}
        {...NODE}
        x={STICKY_PADDING}
        y={STICKY_PADDING}
        width={Math.max(0, shape.w - STICKY_PADDING * 2)}
        height={Math.max(0, shape.h - STICKY_PADDING * 2)}
        text={hideText ? '' : shape.text}
        fontSize={fontSize(shape)}
        fontFamily={FONT_FAMILY}
        lineHeight={LINE_HEIGHT}
        fill={INK}
        wrap="word"
        ellipsis
      />
    </>
  ),
  toSvg: (s) =>
    `<rect width="${s.w}" height="${s.h}" rx="6" fill="${colorAttr(noteFill(s.fill))}"/>${svgText(s, STICKY_PADDING, INK)}`,
  hasText: true,
  tool: {
    label: 'Sticky note',
    key: 'S',
    order: 80,
    icon: <path {...ICON} d="M4 4h12v8l-4 4H4zM12 16v-4h4" />,
    create: { type: 'place', size: { w: 200, h: 200 }, centered: true },
  },
}
