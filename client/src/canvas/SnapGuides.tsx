import { Line } from '../shapes/konva.ts'
import type { SnapGuide } from '../editor/tools/snapping.ts'

const COLOR = '#e8590c'
/** Screen pixels a guide runs past the boxes it aligns. */
const OVERHANG = 8

/** The alignment guides of a snapping gesture (page space, zoom `z`). */
export function SnapGuides({ guides, z }: { guides: readonly SnapGuide[]; z: number }) {
  const o = OVERHANG / z
  return (
    <>
      {guides.map((g) => {
        const points =
          g.axis === 'x' ? [g.at, g.from - o, g.at, g.to + o] : [g.from - o, g.at, g.to + o, g.at]
        return (
          <Line
            key={`${g.axis}:${g.at}`}
            name="snap-guide"
            points={points}
            stroke={COLOR}
            strokeWidth={1 / z}
            listening={false}
          />
        )
      })}
    </>
  )
}
