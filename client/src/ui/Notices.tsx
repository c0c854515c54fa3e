import type { Editor } from '../editor/Editor.ts'

/** What the user must know: conflicts, refused actions, lost locks (with the unsaved draft). */
export function Notices({ editor }: { editor: Editor }) {
  if (editor.notices.length === 0) return null
  return (
    <div className="notices" aria-live="polite">
      {editor.notices.map((n) => (
        <div
          key={n.id}
          className={`notice panel ${n.kind}`}
          role="alert"
          data-testid="notice"
          data-kind={n.kind}
        >
          <div className="notice-text">{n.text}</div>
          {n.draft !== undefined && (
            <textarea
              className="draft"
              data-testid="notice.draft"
              readOnly
              value={n.draft}
              rows={Math.min(6, n.draft.split('\n').length + 1)}
            />
          )}
          <div className="notice-actions">
            {n.draft !== undefined && (
              <button type="button" onClick={() => void navigator.clipboard?.writeText(n.draft ?? '')}>
                Copy text
              </button>
            )}
            {n.actions.map((a) => (
              <button
                key={a.label}
                type="button"
                className="primary"
                data-testid="notice.action"
                onClick={() => {
                  editor.dismissNotice(n.id)
                  a.run()
                }}
              >
                {a.label}
              </button>
            ))}
            <button type="button" data-testid="notice.dismiss" onClick={() => editor.dismissNotice(n.id)}>
              Dismiss
            </button>
          </div>
        </div>
      ))}
    </div>
  )
}
