import { memo, useMemo } from 'react'
import { Arrow, Ellipse, Group, Line, Rect, Text } from 'react-konva'
import type { Shape } from '@easel/shared'
import { penOutline } from './penOutline.ts'

/** Padding between a sticky note's edge and its text. */
export const STICKY_PADDING = 14

/**
 * One shape as Konva nodes. Nodes do not listen to events (hit testing is the editor's), which
 * keeps Konva from drawing a hit canvas for thousands of shapes.
 */
export const ShapeView = memo(function ShapeView({
  shape,
  hideText = false,
  detail = true,
}: {
  shape: Shape
  hideText?: boolean
  /** False when zoomed far out: text and shadows are skipped (too small to see, costly to draw). */
  detail?: boolean
}) {
  const common = { perfectDrawEnabled: false, shadowForStrokeEnabled: false, listening: false }
  const stroke = shape.stroke === 'transparent' ? undefined : shape.stroke
  const fill = shape.fill === 'transparent' ? undefined : shape.fill
  const pen = useMemo(
    () => (shape.kind === 'pen' ? penOutline(shape.points ?? [], shape.strokeWidth) : null),
    [shape.kind, shape.points, shape.strokeWidth],
  )
  let body: React.ReactNode
  switch (shape.kind) {
    case 'rect':
      body = (
        <Rect
          {...common}
          width={shape.w}
          height={shape.h}
          stroke={stroke}
          strokeWidth={shape.strokeWidth}
          fill={fill}
          cornerRadius={4}
        />
      )
      break
    case 'ellipse':
      body = (
        <Ellipse
          {...common}
          x={shape.w / 2}
          y={shape.h / 2}
          radiusX={shape.w / 2}
          radiusY={shape.h / 2}
          stroke={stroke}
          strokeWidth={shape.strokeWidth}
          fill={fill}
        />
      )
      break
    case 'line':
      body = (
        <Line
          {...common}
          points={shape.points ?? []}
          stroke={stroke}
          strokeWidth={shape.strokeWidth}
          lineCap="round"
          hitStrokeWidth={0}
        />
      )
      break
    case 'arrow':
      body = (
        <Arrow
          {...common}
          points={shape.points ?? []}
          stroke={stroke}
          fill={stroke}
          strokeWidth={shape.strokeWidth}
          pointerLength={10 + shape.strokeWidth * 2}
          pointerWidth={10 + shape.strokeWidth * 2}
          lineCap="round"
          lineJoin="round"
        />
      )
      break
    case 'pen':
      body = <Line {...common} points={pen ?? []} closed fill={shape.stroke} />
      break
    case 'text':
      body = (
        <Text
          {...common}
          visible={detail}
          width={shape.w}
          height={Math.max(shape.h, (shape.fontSize ?? 20) * 1.3)}
          text={hideText ? '' : shape.text || ' '}
          fontSize={shape.fontSize ?? 20}
          fontFamily="system-ui, sans-serif"
          lineHeight={1.25}
          fill={shape.stroke === 'transparent' ? '#1e1e1e' : shape.stroke}
          wrap="word"
        />
      )
      break
    case 'sticky':
      body = (
        <>
          <Rect
            {...common}
            width={shape.w}
            height={shape.h}
            fill={shape.fill === 'transparent' ? '#fff3a3' : shape.fill}
            cornerRadius={6}
            shadowColor="rgba(0,0,0,0.25)"
            shadowBlur={8}
            shadowOffsetY={3}
            shadowEnabled={detail}
          />
          <Text
            visible={detail}
            {...common}
            x={STICKY_PADDING}
            y={STICKY_PADDING}
            width={Math.max(0, shape.w - STICKY_PADDING * 2)}
            height={Math.max(0, shape.h - STICKY_PADDING * 2)}
            text={hideText ? '' : shape.text}
            fontSize={shape.fontSize ?? 20}
            fontFamily="system-ui, sans-serif"
            lineHeight={1.25}
            fill="#1e1e1e"
            wrap="word"
            ellipsis
          />
        </>
      )
      break
  }
  return (
    <Group
      id={shape.id}
      name="shape"
      x={shape.x}
      y={shape.y}
      rotation={shape.rotation}
      opacity={shape.opacity}
      listening={false}
    >
      {body}
    </Group>
  )
})
