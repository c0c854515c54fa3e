import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import type { Editor } from '../editor/Editor.ts'
import type { Vec } from '../editor/geometry.ts'
import { readClipboard, writeClipboard } from './clipboardIO.ts'

/** Where the menu was asked for: window point, canvas (screen) point, page point, shape hit. */
export type ContextMenuAt = { client: Vec; screen: Vec; page: Vec; shapeId: string | null }

type Item = { id: string; label: string; keys?: string; run: () => void } | 'separator'

/** The items for a right-click: on a locked shape, on the selection, or on empty canvas. */
export function contextMenuItems(editor: Editor, at: ContextMenuAt): Item[] {
  const target = at.shapeId ? editor.getShape(at.shapeId) : undefined
  const paste: Item = {
    id: 'paste',
    label: 'Paste',
    keys: 'Ctrl+V',
    run: () => {
      void readClipboard().then((data) => data && editor.paste(data, at.page))
    },
  }
  if (target?.locked) {
    return [
      {
        id: 'unlock',
        label: 'Unlock',
        keys: 'Ctrl+Shift+L',
        run: () => editor.setLocked([target.id], false),
      },
      {
        id: 'copy',
        label: 'Copy',
        keys: 'Ctrl+C',
        run: () => {
          const data = editor.copyShapes([target.id])
          if (data) writeClipboard(data)
        },
      },
    ]
  }
  const selected = editor.getSelectedShapes()
  if (!target || selected.length === 0) {
    return [
      paste,
      { id: 'select-all', label: 'Select all', keys: 'Ctrl+A', run: () => editor.selectAll() },
      {
        id: 'add-text',
        label: 'Add text here',
        keys: 'T',
        run: () => {
          // The text tool's own click, at the point of the right-click.
          editor.setTool('text')
          const p = editor.pointerInfo(at.screen)
          editor.pointerDown(p)
          editor.pointerUp(p)
        },
      },
    ]
  }
  const copy = () => {
    const data = editor.copySelection()
    if (data) writeClipboard(data)
    return data
  }
  const groups = new Set(selected.map((s) => s.parent))
  const items: Item[] = [
    {
      id: 'cut',
      label: 'Cut',
      keys: 'Ctrl+X',
      run: () => {
        if (copy()) editor.deleteSelected()
      },
    },
    { id: 'copy', label: 'Copy', keys: 'Ctrl+C', run: copy },
    paste,
    { id: 'duplicate', label: 'Duplicate', keys: 'Ctrl+D', run: () => editor.duplicateSelected() },
    { id: 'delete', label: 'Delete', keys: 'Del', run: () => editor.deleteSelected() },
    'separator',
  ]
  if (selected.length > 1 && (groups.size > 1 || groups.has(null)))
    items.push({ id: 'group', label: 'Group', keys: 'Ctrl+G', run: () => editor.groupSelected() })
  if (selected.some((s) => s.parent))
    items.push({ id: 'ungroup', label: 'Ungroup', keys: 'Ctrl+Shift+G', run: () => editor.ungroupSelected() })
  if (items.at(-1) !== 'separator') items.push('separator')
  items.push(
    { id: 'forward', label: 'Bring forward', keys: 'Ctrl+]', run: () => editor.bringForward() },
    { id: 'backward', label: 'Send backward', keys: 'Ctrl+[', run: () => editor.sendBackward() },
    { id: 'front', label: 'Bring to front', keys: 'Ctrl+Shift+]', run: () => editor.bringToFront() },
    { id: 'back', label: 'Send to back', keys: 'Ctrl+Shift+[', run: () => editor.sendToBack() },
    'separator',
    { id: 'lock', label: 'Lock', keys: 'Ctrl+Shift+L', run: () => editor.lockSelected() },
  )
  return items
}

/** Gives the keyboard back to the canvas (after the menu closes). */
function focusCanvas(): void {
  const canvas = document.querySelector<HTMLElement>('[data-testid="canvas"]')
  if (!canvas) return
  if (!canvas.hasAttribute('tabindex')) canvas.tabIndex = -1
  canvas.focus({ preventScroll: true })
}

/**
 * The right-click menu: keyboard accessible (arrows, Home/End, Enter; Esc closes), closed by a
 * click elsewhere, kept inside the window. Keys pressed while it is open never reach the board's
 * shortcuts.
 */
export function ContextMenu({
  editor,
  at,
  onClose,
}: {
  editor: Editor
  at: ContextMenuAt
  onClose: () => void
}) {
  const ref = useRef<HTMLDivElement>(null)
  const [pos, setPos] = useState(at.client)
  const items = contextMenuItems(editor, at)

  const close = () => {
    onClose()
    focusCanvas()
  }

  useLayoutEffect(() => {
    const el = ref.current
    if (!el) return
    const r = el.getBoundingClientRect()
    const margin = 8
    setPos({
      x: Math.max(margin, Math.min(at.client.x, window.innerWidth - r.width - margin)),
      y:
        at.client.y + r.height + margin > window.innerHeight
          ? Math.max(margin, at.client.y - r.height)
          : at.client.y,
    })
    el.querySelector<HTMLElement>('[role="menuitem"]')?.focus()
  }, [at])

  useEffect(() => {
    const onDown = (e: PointerEvent) => {
      if (!ref.current?.contains(e.target as Node)) onClose()
    }
    const dismiss = () => onClose()
    document.addEventListener('pointerdown', onDown, true)
    window.addEventListener('blur', dismiss)
    window.addEventListener('resize', dismiss)
    window.addEventListener('wheel', dismiss, { passive: true })
    return () => {
      document.removeEventListener('pointerdown', onDown, true)
      window.removeEventListener('blur', dismiss)
      window.removeEventListener('resize', dismiss)
      window.removeEventListener('wheel', dismiss)
    }
  }, [onClose])

  const onKeyDown = (e: React.KeyboardEvent) => {
    e.stopPropagation()
    const buttons = [...(ref.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])]
    const i = buttons.indexOf(document.activeElement as HTMLElement)
    const focus = (j: number) => buttons[(j + buttons.length) % buttons.length]?.focus()
    switch (e.key) {
      case 'Escape':
      case 'Tab':
        e.preventDefault()
        close()
        return
      case 'ArrowDown':
        e.preventDefault()
        focus(i + 1)
        return
      case 'ArrowUp':
        e.preventDefault()
        focus(i < 0 ? -1 : i - 1)
        return
      case 'Home':
        e.preventDefault()
        focus(0)
        return
      case 'End':
        e.preventDefault()
        focus(-1)
        return
    }
  }

  return (
    <div
      ref={ref}
      className="context-menu panel"
      role="menu"
      aria-label={at.shapeId ? 'Shape actions' : 'Canvas actions'}
      data-testid="context-menu"
      style={{ left: pos.x, top: pos.y }}
      onKeyDown={onKeyDown}
      onContextMenu={(e) => e.preventDefault()}
    >
      {items.map((item, k) =>
        item === 'separator' ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: separators have no identity
          <hr key={`sep${k}`} className="separator" />
        ) : (
          <button
            key={item.id}
            type="button"
            role="menuitem"
            tabIndex={-1}
            data-testid={`context.${item.id}`}
            onClick={() => {
              close()
              item.run()
            }}
          >
            <span>{item.label}</span>
            {item.keys && <kbd>{item.keys}</kbd>}
          </button>
        ),
      )}
    </div>
  )
}
