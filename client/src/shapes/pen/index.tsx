import { useMemo } from 'react'
import { ICON } from '../icon.ts'
import { Line, NODE } from '../konva.ts'
import { hitPolyline, polylineBox, scalePoints } from '../polyline.ts'
import { colorAttr } from '../svg.ts'
import type { ShapeUtil, ShapeViewProps } from '../types.ts'
import { PEN_STRIDE, penOutline } from './outline.ts'

function PenView({ shape }: ShapeViewProps) {
  const outline = useMemo(
    () => penOutline(shape.points ?? [], shape.strokeWidth),
    [shape.points, shape.strokeWidth],
  )
  return <Line {...NODE} points={outline} closed fill={shape.stroke} />
}

/** Freehand ink, smoothed at render time by perfect-freehand. */
export const pen: ShapeUtil<'pen'> = {
  kind: 'pen',
  label: 'drawing',
  defaults: {},
  localBox: (shape) => polylineBox(shape, PEN_STRIDE),
  hitTest: (shape, p, tolerance) => hitPolyline(shape, PEN_STRIDE, p, tolerance),
  scale: (shape, sx, sy) => scalePoints(shape, PEN_STRIDE, sx, sy),
  View: PenView,
  toSvg(s) {
    const o = penOutline(s.points ?? [], s.strokeWidth)
    const pts: string[] = []
    for (let i = 0; i + 1 < o.length; i += 2) pts.push(`${o[i]!.toFixed(2)},${o[i + 1]!.toFixed(2)}`)
    return `<polygon points="${pts.join(' ')}" fill="${colorAttr(s.stroke)}"/>`
  },
  hasText: false,
  tool: {
    label: 'Pen',
    key: 'P',
    order: 60,
    icon: <path {...ICON} d="M3 17c2-1 3-4 5-4s2 3 4 2 2-5 5-8M13 3l4 4" />,
    create: { type: 'pen' },
  },
}
