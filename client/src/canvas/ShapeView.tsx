import { memo } from 'react'
import { Group } from '../shapes/konva.ts'
import type { Shape } from '@easel/shared'
import { SHAPES } from '../shapes/index.ts'

/**
 * One shape as Konva nodes, drawn by its kind's view. Nodes do not listen to events (hit testing is
 * the editor's), which keeps Konva from drawing a hit canvas for thousands of shapes.
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
  const { View } = SHAPES[shape.kind]
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
      <View shape={shape} hideText={hideText} detail={detail} />
    </Group>
  )
})
