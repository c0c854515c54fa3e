import type { ToolId } from '../editor/tools/index.ts'

const P = {
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 1.8,
  strokeLinecap: 'round',
  strokeLinejoin: 'round',
} as const

/** Tool icons as inline SVG (no icon font or emoji font needed). */
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
    case 'rect':
      body = <rect {...P} x="3.5" y="5" width="13" height="10" rx="1.5" />
      break
    case 'ellipse':
      body = <ellipse {...P} cx="10" cy="10" rx="7" ry="5.5" />
      break
    case 'line':
      body = <path {...P} d="M4 16L16 4" />
      break
    case 'arrow':
      body = <path {...P} d="M4 16L16 4M9 4h7v7" />
      break
    case 'pen':
      body = <path {...P} d="M3 17c2-1 3-4 5-4s2 3 4 2 2-5 5-8M13 3l4 4" />
      break
    case 'text':
      body = <path {...P} d="M4 5V4h12v1M10 4v12M7.5 16h5" />
      break
    case 'sticky':
      body = <path {...P} d="M4 4h12v8l-4 4H4zM12 16v-4h4" />
      break
    case 'lock':
      body = <path {...P} d="M5 9h10v8H5zM7 9V6.5a3 3 0 016 0V9" />
      break
    case 'unlock':
      body = <path {...P} d="M5 9h10v8H5zM7 9V6.5a3 3 0 015.8-1" />
      break
  }
  return (
    <svg width="20" height="20" viewBox="0 0 20 20" aria-hidden>
      {body}
    </svg>
  )
}
