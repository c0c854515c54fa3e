import type { Shape } from '@easel/shared'
import type { Vec } from '../../editor/geometry.ts'
import { boxOutline, scaleBox } from '../box.ts'
import { ICON } from '../icon.ts'
import { Line, NODE, outlinePaint } from '../konva.ts'
import { outlineAttrs } from '../svg.ts'
import type { ShapeUtil } from '../types.ts'

/** The rhombus inscribed in the shape's box: top, right, bottom and left midpoints, as flat x, y. */
export function diamondPoints(shape: Pick<Shape, 'w' | 'h'>): number[] {
  const { w, h } = shape
  return [w / 2, 0, w, h / 2, w / 2, h, 0, h / 2]
}

/**
 * Whether `p` lies in the rhombus grown by `tolerance` along its edges' normals: the point's
 * distance from the centre, in the sum-of-axes metric of the rhombus, is within the half axes.
 */
export function hitDiamond(shape: Pick<Shape, 'w' | 'h'>, p: Vec, tolerance: number): boolean {
  const a = shape.w / 2
  const b = shape.h / 2
  const dx = Math.abs(p.x - a)
  const dy = Math.abs(p.y - b)
  // The edge x/a + y/b = 1 in the first quadrant is b·x + a·y = a·b; its normal has length hypot(a, b).
  return b * dx + a * dy <= a * b + tolerance * Math.hypot(a, b)
}

/** A rhombus in its box, filled and stroked like a rectangle (as in Excalidraw and tldraw). */
export const diamond: ShapeUtil<'diamond'> = {
  kind: 'diamond',
  label: 'diamond',
  defaults: {},
  localBox: boxOutline,
  rayToOutline(shape, dir) {
    // The edge in the ray's quadrant: |x|/a + |y|/b = 1 with half axes a and b.
    const k = Math.abs(dir.x) / (shape.w / 2) + Math.abs(dir.y) / (shape.h / 2)
    return Number.isFinite(k) && k > 0 ? 1 / k : 0
  },
  hitTest: hitDiamond,
  scale: scaleBox,
  View: ({ shape }) => (
    <Line {...NODE} {...outlinePaint(shape)} points={diamondPoints(shape)} closed lineJoin="round" />
  ),
  toSvg(s) {
    const p = diamondPoints(s)
    const points = [0, 2, 4, 6].map((i) => `${p[i]},${p[i + 1]}`).join(' ')
    return `<polygon points="${points}" stroke-linejoin="round" ${outlineAttrs(s)}/>`
  },
  hasText: false,
  tool: {
    label: 'Diamond',
    key: 'D',
    order: 20,
    icon: <path {...ICON} d="M10 3l7 7-7 7-7-7z" />,
    create: { type: 'box' },
  },
}
