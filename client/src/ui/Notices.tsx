import { useRef, useState } from 'react'
import type { Editor, Notice } from '../editor/Editor.ts'
import { copyText } from './copyText.ts'

const COPY_LABEL = {
  idle: 'Copy text',
  copied: 'Copied',
  select: 'Selected: press Ctrl+C (⌘C) to copy',
} as const

/** What the user must know: conflicts, refused actions, lost locks (with the unsaved draft). */
export function Notices({ editor }: { editor: Editor }) {
  if (editor.notices.length === 0) return null
  return (
    <div className="notices" aria-live="polite">
      {editor.notices.map((n) => (
        <NoticeCard key={n.id} editor={editor} notice={n} />
      ))}
    </div>
  )
}

function NoticeCard({ editor, notice: n }: { editor: Editor; notice: Notice }) {
  const draftRef = useRef<HTMLTextAreaElement>(null)
  const [copy, setCopy] = useState<keyof typeof COPY_LABEL>('idle')
  return (
    <div className={`notice panel ${n.kind}`} role="alert" data-testid="notice" data-kind={n.kind}>
      <div className="notice-text">{n.text}</div>
      {n.draft !== undefined && (
        <textarea
          ref={draftRef}
          className="draft"
          data-testid="notice.draft"
          readOnly
          value={n.draft}
          rows={Math.min(6, n.draft.split('\n').length + 1)}
        />
      )}
      <div className="notice-actions">
        {n.draft !== undefined && (
          <button
            type="button"
            data-testid="notice.copy"
            data-state={copy}
            // Plain http on a LAN hostname has no navigator.clipboard: copyText falls back.
            onClick={async () => setCopy(await copyText(n.draft ?? '', draftRef.current))}
          >
            {COPY_LABEL[copy]}
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
        <button
          type="button"
          data-testid="notice.dismiss"
          onClick={() => {
            editor.dismissNotice(n.id)
            n.onDismiss?.()
          }}
        >
          Dismiss
        </button>
      </div>
    </div>
  )
}
