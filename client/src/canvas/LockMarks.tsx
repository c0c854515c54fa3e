import { Circle, Group, Path } from '../shapes/konva.ts'
import type { Shape } from '@easel/shared'
import { shapeBounds } from '../shapes/index.ts'

/** The padlock of the toolbar's lock icon (20 × 20 box). */
const PADLOCK = 'M5 9h10v8H5zM7 9V6.5a3 3 0 016 0V9'

/** A small padlock at the top-right corner of each locked shape, the same size at every zoom. */
export function LockMarks({ shapes, z }: { shapes: readonly Shape[]; z: number }) {
  return shapes
    .filter((s) => s.locked)
    .map((s) => {
      const b = shapeBounds(s)
      return (
        <Group key={`locked:${s.id}`} x={b.x + b.w} y={b.y} scaleX={1 / z} scaleY={1 / z} listening={false}>
          <Circle radius={11} fill="#ffffff" stroke="#6b6b7b" strokeWidth={1} />
          <Path
            data={PADLOCK}
            x={-7}
            y={-7.4}
            scaleX={0.7}
            scaleY={0.7}
            stroke="#1e1e1e"
            strokeWidth={2.2}
            lineJoin="round"
            lineCap="round"
          />
        </Group>
      )
    })
}
