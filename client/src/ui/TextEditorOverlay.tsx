import { useLayoutEffect, useRef } from 'react'
import type { Editor } from '../editor/Editor.ts'
import { pageToScreen } from '../editor/geometry.ts'
import { shapeBounds } from '../shapes/index.ts'
import { STICKY_PADDING } from '../shapes/sticky/index.tsx'
import { noteBox, textBox } from '../shapes/textLayout.ts'
import type { TextEditing } from '../editor/TextEditing.ts'
import { useLayer } from './layers.ts'

/** Room after the widest line of a growing text for the caret, in page units. */
const CARET = 2

/**
 * The in-place text editor for the shape this user edits. It opens (focused) as soon as editing
 * starts, before the lease is granted, so the first keys typed land in the draft instead of being
 * lost or taken as tool shortcuts.
 */
export function TextEditorOverlay({ editor, text }: { editor: Editor; text: TextEditing }) {
  const ref = useRef<HTMLTextAreaElement>(null)
  const ed = text.editing
  const shape = ed ? editor.getShape(ed.shapeId) : undefined
  // Focus before the browser paints, when an editor opens on a shape (not again when the lease
  // arrives: the caret stays where the user put it).
  // biome-ignore lint/correctness/useExhaustiveDependencies: focus when a new edit session opens
  useLayoutEffect(() => {
    ref.current?.focus()
    ref.current?.setSelectionRange(ref.current.value.length, ref.current.value.length)
  }, [ed?.shapeId])
  if (!ed || !shape) return null
  const z = editor.camera.z
  const pad = shape.kind === 'sticky' ? STICKY_PADDING : 0
  const p = pageToScreen(editor.camera, { x: shape.x + pad, y: shape.y + pad })
  // The editor grows with the draft as the shape will (same layout), plus room for the caret.
  const sticky = shape.kind === 'sticky'
  const box = sticky ? null : textBox(shape, ed.draft)
  const layout = box ? box.layout : noteBox(shape, pad, ed.draft).layout
  const width = !box ? Math.max(1, shape.w - pad * 2) : box.fixed ? box.w : layout.width + CARET
  const height = Math.max(layout.height, layout.lineHeight)
  return (
    <div className={`text-editor-wrap ${ed.status}`} style={{ left: p.x, top: p.y }}>
      <textarea
        ref={ref}
        data-testid="text-editor"
        className={`text-editor ${shape.kind}`}
        value={ed.draft}
        spellCheck
        placeholder={shape.kind === 'sticky' ? 'Write a note…' : 'Type…'}
        style={{
          width: width * z,
          height: height * z,
          fontSize: layout.fontSize * z,
          color: shape.kind === 'sticky' || shape.stroke === 'transparent' ? '#1e1e1e' : shape.stroke,
          transform: `rotate(${shape.rotation}deg)`,
        }}
        onChange={(e) => text.input(e.target.value)}
        onKeyDown={(e) => {
          e.stopPropagation()
          if (e.key === 'Escape' || (e.key === 'Enter' && (e.metaKey || e.ctrlKey))) {
            e.preventDefault()
            void text.stop()
          }
        }}
        onBlur={() => void text.stop()}
      />
      <div className="text-editor-status" data-testid="text-editor.status" data-status={ed.status}>
        {ed.offline
          ? 'Offline — your text is kept here; it is saved once you are back, if nobody changed it meanwhile.'
          : ed.status === 'pending'
            ? 'Asking for the lock…'
            : ed.draft === ed.saved
              ? 'Saved · Esc to finish'
              : 'Saving…'}
      </div>
    </div>
  )
}

/**
 * "Asking for the lock…", "Bo is editing this [Wait] [Cancel]", "Waiting for Bo (#1)". While it
 * shows, keys typed (meant for the note) never reach the board as shortcuts; Esc cancels.
 */
export function LockPrompt({ text }: { text: TextEditing }) {
  const r = text.request
  useLayer(!!r, () => text.cancelRequest(), 'typing')
  if (!r) return null
  return (
    <div className="lock-prompt panel" data-testid="lock-prompt" data-status={r.status}>
      {r.status === 'asking' && <span>Asking for the lock…</span>}
      {r.status === 'held' && (
        <>
          <span>
            <b style={{ color: r.holderColor }}>{r.holderName}</b> is editing this. You can wait for your
            turn.
          </span>
          <button
            type="button"
            className="primary"
            data-testid="lock-prompt.wait"
            onClick={() => text.wait()}
          >
            Wait for it
          </button>
        </>
      )}
      {r.status === 'waiting' && (
        <span>
          Waiting for {r.holderName} to finish (you are #{r.position} in line)… you will get it automatically.
        </span>
      )}
      <button type="button" data-testid="lock-prompt.cancel" onClick={() => text.cancelRequest()}>
        Cancel
      </button>
    </div>
  )
}

/** Badges on shapes others are editing: name in the holder's colour. */
export function LockBadges({ editor, text }: { editor: Editor; text: TextEditing }) {
  return (
    <div className="lock-badges" aria-hidden>
      {text.othersLeases().map((l) => {
        const shape = editor.getShape(l.shapeId)
        if (!shape) return null
        const b = shapeBounds(shape)
        const p = pageToScreen(editor.camera, { x: b.x, y: b.y })
        return (
          <div
            key={l.shapeId}
            className="lock-badge"
            data-testid="lock-badge"
            data-shape={l.shapeId}
            style={{ left: p.x, top: p.y - 24, background: l.holderColor }}
          >
            {l.holderName} is editing
          </div>
        )
      })}
    </div>
  )
}
