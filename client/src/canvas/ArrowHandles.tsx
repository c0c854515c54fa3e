import { Circle, Group, Rect } from '../shapes/konva.ts'
import type { Shape } from '@easel/shared'
import type { Vec } from '../editor/geometry.ts'
import { ENDPOINT_RADIUS, type LineEnd } from '../editor/tools/handles.ts'
import { localBox, SHAPES } from '../shapes/index.ts'

const COLOR = '#6965db'
const GLOW = 'rgba(105, 101, 219, 0.55)'

/** A selected line's or arrow's endpoint handles, drawn in page space at zoom `z`. */
export function EndpointHandles({
  start,
  end,
  active,
  z,
}: {
  start: Vec
  end: Vec
  active: LineEnd | null
  z: number
}) {
  return (
    <>
      {(['start', 'end'] as const).map((id) => {
        const p = id === 'start' ? start : end
        return (
          <Circle
            key={id}
            name={`endpoint-${id}`}
            x={p.x}
            y={p.y}
            radius={ENDPOINT_RADIUS / z}
            fill={id === active ? COLOR : 'white'}
            stroke={COLOR}
            strokeWidth={1.5 / z}
            listening={false}
          />
        )
      })}
    </>
  )
}

/**
 * The shape an arrow end would attach to: its own outline traced in a wide translucent stroke
 * (text kinds, whose view is their text, get their box).
 */
export function BindTargetOutline({ shape, z }: { shape: Shape; z: number }) {
  const { View, hasText } = SHAPES[shape.kind]
  const width = Math.max(shape.strokeWidth, 1) + 6 / z
  const b = localBox(shape)
  const pad = 4 / z
  return (
    <Group name="bind-target" x={shape.x} y={shape.y} rotation={shape.rotation} listening={false}>
      {hasText ? (
        <Rect
          x={b.x - pad}
          y={b.y - pad}
          width={b.w + pad * 2}
          height={b.h + pad * 2}
          cornerRadius={6 / z}
          stroke={GLOW}
          strokeWidth={width}
          listening={false}
        />
      ) : (
        <View
          shape={{ ...shape, fill: 'transparent', stroke: GLOW, strokeWidth: width }}
          hideText
          detail={false}
        />
      )}
    </Group>
  )
}
