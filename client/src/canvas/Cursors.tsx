import type { Editor } from '../editor/Editor.ts'
import { pageToScreen } from '../editor/geometry.ts'

/** Other users' cursors with their name labels, in screen space above the canvas. */
export function Cursors({ editor }: { editor: Editor }) {
  return (
    <div className="cursors" aria-hidden>
      {editor.peers
        .filter((p) => p.cursor)
        .map((p) => {
          const s = pageToScreen(editor.camera, p.cursor!)
          return (
            <div
              key={p.clientId}
              className="cursor"
              data-testid="peer-cursor"
              data-name={p.user.name}
              style={{ transform: `translate(${s.x}px, ${s.y}px)` }}
            >
              <svg width="18" height="18" viewBox="0 0 18 18" role="presentation">
                <path
                  d="M1 1 L1 15 L5 11 L8 17 L10.5 16 L7.5 10 L13 10 Z"
                  fill={p.user.color}
                  stroke="white"
                  strokeWidth="1.2"
                />
              </svg>
              <span className="cursor-label" style={{ background: p.user.color }}>
                {p.user.name}
              </span>
            </div>
          )
        })}
    </div>
  )
}
