import { useState } from 'react'
import type { Editor } from '../editor/Editor.ts'

/** Who is here: click someone to follow their viewport; click your own name to change it. */
export function People({ editor, onRename }: { editor: Editor; onRename: (name: string) => void }) {
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(editor.user.name)
  return (
    <div className="people panel" data-testid="people">
      {editor.peers.map((p) => (
        <button
          key={p.clientId}
          type="button"
          className={editor.followingId === p.clientId ? 'avatar following' : 'avatar'}
          data-testid="people.peer"
          data-name={p.user.name}
          title={
            editor.followingId === p.clientId ? `Stop following ${p.user.name}` : `Follow ${p.user.name}`
          }
          style={{ background: p.user.color }}
          onClick={() => editor.follow(editor.followingId === p.clientId ? null : p.clientId)}
        >
          {initials(p.user.name)}
        </button>
      ))}
      {editing ? (
        <form
          onSubmit={(e) => {
            e.preventDefault()
            const name = draft.trim().slice(0, 40)
            if (name) onRename(name)
            setEditing(false)
          }}
        >
          <input
            data-testid="people.name-input"
            // biome-ignore lint/a11y/noAutofocus: opened on purpose by a click
            autoFocus
            value={draft}
            maxLength={40}
            onChange={(e) => setDraft(e.target.value)}
            onBlur={() => setEditing(false)}
            onKeyDown={(e) => {
              if (e.key !== 'Escape') return
              e.stopPropagation()
              setEditing(false)
            }}
          />
        </form>
      ) : (
        <button
          type="button"
          className="me"
          data-testid="people.me"
          title="Change your name"
          style={{ borderColor: editor.user.color }}
          onClick={() => {
            setDraft(editor.user.name)
            setEditing(true)
          }}
        >
          {editor.user.name}
        </button>
      )}
    </div>
  )
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('')
}
