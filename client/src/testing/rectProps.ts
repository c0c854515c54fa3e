import type { CrdtProps } from '@easel/shared'

/** A plain rectangle's stored properties, for tests that write shapes straight into a Y.Doc. */
export const rectProps = (over: Partial<CrdtProps> = {}): CrdtProps => ({
  kind: 'rect',
  x: 0,
  y: 0,
  w: 100,
  h: 50,
  rotation: 0,
  z: 'a0',
  stroke: '#1e1e1e',
  fill: 'transparent',
  strokeWidth: 2,
  opacity: 1,
  ...over,
})
