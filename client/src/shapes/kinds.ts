// The shape registry: one line per kind, each a ShapeUtil named after its kind (see index.ts).
export { arrow } from './arrow/index.tsx'
export { diamond } from './diamond/index.tsx'
export { ellipse } from './ellipse/index.tsx'
export { line } from './line/index.tsx'
export { pen } from './pen/index.tsx'
export { rect } from './rect/index.tsx'
export { sticky } from './sticky/index.tsx'
export { text } from './text/index.tsx'
