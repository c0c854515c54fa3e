import { Line, Rect } from '../shapes/konva.ts'
import {
  type Frame,
  framePoint,
  HANDLE_SIZE,
  type HandleId,
  handlePositions,
} from '../editor/tools/handles.ts'

const COLOR = '#6965db'

/** The selection frame with its resize and rotate handles, drawn in page space at zoom `z`. */
export function SelectionHandles({ frame, active, z }: { frame: Frame; active: HandleId | null; z: number }) {
  const corners = [
    { x: 0, y: 0 },
    { x: frame.w, y: 0 },
    { x: frame.w, y: frame.h },
    { x: 0, y: frame.h },
  ].flatMap((c) => {
    const p = framePoint(frame, c)
    return [p.x, p.y]
  })
  const handles = handlePositions(frame, z)
  const top = framePoint(frame, { x: frame.w / 2, y: 0 })
  const rotate = handles.find((h) => h.id === 'rotate')!.p
  const size = HANDLE_SIZE / z
  return (
    <>
      <Line points={corners} closed stroke={COLOR} strokeWidth={1 / z} listening={false} />
      <Line
        points={[top.x, top.y, rotate.x, rotate.y]}
        stroke={COLOR}
        strokeWidth={1 / z}
        listening={false}
      />
      {handles.map(({ id, p }) => (
        <Rect
          key={id}
          x={p.x}
          y={p.y}
          width={size}
          height={size}
          offsetX={size / 2}
          offsetY={size / 2}
          rotation={frame.rotation}
          fill={id === active ? COLOR : 'white'}
          stroke={COLOR}
          strokeWidth={1 / z}
          listening={false}
        />
      ))}
    </>
  )
}
