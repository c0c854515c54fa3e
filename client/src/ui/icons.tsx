import type { ToolId } from '../editor/tools/index.ts'
import { ICON as P } from '../shapes/icon.ts'
import { SHAPES } from '../shapes/index.ts'

/** Tool icons as inline SVG (no icon font or emoji font needed); a shape kind's is in its module. */
export function ToolIcon({ id }: { id: ToolId | 'lock' | 'unlock' }) {
  let body: React.ReactNode
  switch (id) {
    case 'select':
      body = <path {...P} d="M5 3l12 7-5 1.5L9.5 17z" />
      break
    case 'hand':
      body = (
        <path
          {...P}
          d="M7 11V5.5a1.5 1.5 0 013 0V10m0-1V4.5a1.5 1.5 0 013 0V10m0-.5V6a1.5 1.5 0 013 0v6.5c0 3-2 5.5-5.5 5.5S5 16 4 13.5l-1-2.5a1.4 1.4 0 012.4-1.4L7 11"
        />
      )
      break
    case 'lock':
      body = <path {...P} d="M5 9h10v8H5zM7 9V6.5a3 3 0 016 0V9" />
      break
    case 'unlock':
      body = <path {...P} d="M5 9h10v8H5zM7 9V6.5a3 3 0 015.8-1" />
      break
    default:
      body = SHAPES[id].tool.icon
  }
  return (
    <svg width="20" height="20" viewBox="0 0 20 20" aria-hidden>
      {body}
    </svg>
  )
}
