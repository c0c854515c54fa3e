import type { Shape } from '@easel/shared'
import { boxOutline, hitBox } from '../box.ts'
import { ICON } from '../icon.ts'
import { NODE, Rect, Text } from '../konva.ts'
import { colorAttr } from '../svg.ts'
import { INK, konvaText, svgText } from '../text/index.tsx'
import { DEFAULT_FONT_SIZE, noteBox } from '../textLayout.ts'
import type { ShapeUtil } from '../types.ts'

/** A new note's fill, also what a note with a transparent fill shows. */
export const STICKY_FILL = '#fff3a3'
/** Padding between a sticky note's edge and its text. */
export const STICKY_PADDING = 14

const noteFill = (fill: string) => (fill === 'transparent' ? STICKY_FILL : fill)

/** The note's layout, and its height: what it was given, taller when its text needs more. */
function note(s: Shape, text = s.text) {
  const { layout, needed } = noteBox(s, STICKY_PADDING, text)
  return { layout, h: Math.max(Number.isFinite(s.h) ? s.h : 0, needed), needed }
}

export const sticky: ShapeUtil<'sticky'> = {
  kind: 'sticky',
  label: 'sticky note',
  defaults: { fill: STICKY_FILL, stroke: INK, strokeWidth: 0, fontSize: DEFAULT_FONT_SIZE },
  localBox: boxOutline,
  hitTest: hitBox,
  // A note grows with its text and never gets shorter than its text (a resize cannot hide it).
  scale: (s, sx, sy) => {
    const w = Math.max(1, s.w * sx)
    return { w, h: Math.max(1, s.h * sy, noteBox({ ...s, w }, STICKY_PADDING).needed) }
  },
  fitText: (s, t) => ({ h: note(s, t).h }),
  View: ({ shape, hideText, detail }) => {
    const { layout, h } = note(shape)
    return (
      <>
        <Rect
          {...NODE}
          width={shape.w}
          height={h}
          fill={noteFill(shape.fill)}
          cornerRadius={6}
          shadowColor="rgba(0,0,0,0.25)"
          shadowBlur={8}
          shadowOffsetY={3}
          shadowEnabled={detail}
        />
        <Text
          {...NODE}
          visible={detail && !hideText}
          x={STICKY_PADDING}
          y={STICKY_PADDING}
          {...konvaText(layout)}
          fill={INK}
        />
      </>
    )
  },
  toSvg: (s) => {
    const { layout, h } = note(s)
    return `<rect width="${s.w}" height="${h}" rx="6" fill="${colorAttr(noteFill(s.fill))}"/>${svgText(layout, STICKY_PADDING, INK)}`
  },
  hasText: true,
  tool: {
    label: 'Sticky note',
    key: 'S',
    order: 80,
    icon: <path {...ICON} d="M4 4h12v8l-4 4H4zM12 16v-4h4" />,
    create: { type: 'place', size: { w: 200, h: 200 }, centered: true },
  },
}
