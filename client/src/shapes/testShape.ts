import { type CrdtProps, type Shape, VERSIONED_DEFAULTS } from '@easel/shared'

/** A valid shape for geometry and export tests: a 100 × 60 box at (10, 20) unless told otherwise. */
export function testShape(props: Partial<CrdtProps & Pick<Shape, 'text'>> & Pick<Shape, 'kind'>): Shape {
  return {
    x: 10,
    y: 20,
    w: 100,
    h: 60,
    rotation: 0,
    z: 'a0',
    stroke: '#1e1e1e',
    fill: '#a5d8ff',
    strokeWidth: 2,
    opacity: 1,
    ...VERSIONED_DEFAULTS,
    id: 's1',
    versions: { deleted: 0, binding: 0, parent: 0, locked: 0, text: 0 },
    ...props,
  }
}
