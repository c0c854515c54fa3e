import type { Editor } from './editor/Editor.ts'
import { TOOL_IDS, type ToolId } from './editor/tools/index.ts'
import { toolMeta } from './ui/Toolbar.tsx'

const TOOL_BY_KEY = new Map<string, ToolId>(TOOL_IDS.map((id) => [toolMeta(id).key.toLowerCase(), id]))

export type ShortcutActions = {
  toggleHelp: () => void
  editSelected: () => void
}

/** The parts of a key event's target the predicate reads (an Element in the browser). */
type KeyTarget = {
  tagName?: string
  type?: string
  isContentEditable?: boolean
  closest?: (selector: string) => unknown
}

/** Input types where typing edits a value (every key belongs to the field). */
const TEXT_INPUTS = new Set([
  'text',
  'search',
  'email',
  'url',
  'tel',
  'password',
  'number',
  'date',
  'datetime-local',
  'month',
  'week',
  'time',
])

/** Text fields, selects and contenteditable: every key typed there is theirs. */
export function takesText(target: EventTarget | KeyTarget | null): boolean {
  const el = target as KeyTarget | null
  if (!el?.tagName) return false
  if (el.isContentEditable) return true
  const tag = el.tagName.toUpperCase()
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  return tag === 'INPUT' && TEXT_INPUTS.has((el.type ?? 'text').toLowerCase())
}

const SLIDER_KEYS = new Set([
  'ArrowLeft',
  'ArrowRight',
  'ArrowUp',
  'ArrowDown',
  'Home',
  'End',
  'PageUp',
  'PageDown',
])

/** Keys a focused control (button, slider, checkbox, colour input) uses itself; others go on to the board. */
function controlKeys(el: KeyTarget): (key: string) => boolean {
  const tag = el.tagName?.toUpperCase()
  const type = (el.type ?? '').toLowerCase()
  if (tag === 'INPUT' && type === 'range') return (k) => SLIDER_KEYS.has(k)
  if (tag === 'INPUT' && type === 'radio') return (k) => k === ' ' || SLIDER_KEYS.has(k)
  if (tag === 'INPUT' && type === 'checkbox') return (k) => k === ' '
  if (tag === 'INPUT' && type === 'color') return (k) => k === ' ' || k === 'Enter'
  // Space stays the board's (held, it pans), also right after clicking a toolbar button.
  if (tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY' || tag === 'INPUT') return (k) => k === 'Enter'
  return () => false
}

/** Where keys typed inside go to the element (dialogs, menus), never to the board behind. */
const OWN_KEYS = '[role="dialog"], [role="alertdialog"], [role="menu"]'

/**
 * Whether a key is for the board (its shortcuts, Space to pan). Not when a layer takes every key
 * (a modal dialog, the "X is editing this" prompt), nor when it was typed into a text field, a
 * select, contenteditable or a dialog or menu; a focused button or slider keeps only the keys it
 * uses itself (Enter, arrows; Space on a checkbox), so after using one Esc and Delete act on the
 * board again.
 */
export function isKeyForBoard(
  e: { key: string; target: EventTarget | KeyTarget | null },
  layerTakesKeys: boolean,
): boolean {
  if (layerTakesKeys) return false
  const el = e.target as KeyTarget | null
  if (!el?.tagName) return true
  if (takesText(el)) return false
  if (el.closest?.(OWN_KEYS)) return false
  return !controlKeys(el)(e.key)
}

/** Whether a copy, cut or paste is the board's (not a text field's, a dialog's, or behind one). */
export function isClipboardForBoard(
  target: EventTarget | KeyTarget | null,
  layerTakesKeys: boolean,
): boolean {
  const el = target as KeyTarget | null
  return !layerTakesKeys && !takesText(el) && !el?.closest?.(OWN_KEYS)
}

/**
 * Keyboard shortcuts (also listed in the help dialog). Returns true when the key was handled.
 * `layerTakesKeys`: a dialog or prompt above the board takes every key (see isKeyForBoard).
 */
export function handleShortcut(
  editor: Editor,
  e: KeyboardEvent,
  actions: ShortcutActions,
  layerTakesKeys = false,
): boolean {
  if (!isKeyForBoard(e, layerTakesKeys)) return false
  const mod = e.ctrlKey || e.metaKey
  const key = e.key.toLowerCase()
  if (mod) {
    switch (key) {
      case 'z':
        if (e.shiftKey) editor.redo()
        else editor.undo()
        return true
      case 'y':
        editor.redo()
        return true
      case 'a':
        editor.selectAll()
        return true
      case 'd':
        editor.duplicateSelected()
        return true
      case 'g':
        if (e.shiftKey) editor.ungroupSelected()
        else editor.groupSelected()
        return true
      case 'l':
        if (e.shiftKey) editor.lockSelected()
        return e.shiftKey
      case '=':
      case '+':
        editor.zoomIn()
        return true
      case '-':
        editor.zoomOut()
        return true
      case ']':
      case '}':
        if (e.shiftKey) editor.bringToFront()
        else editor.bringForward()
        return true
      case '[':
      case '{':
        if (e.shiftKey) editor.sendToBack()
        else editor.sendBackward()
        return true
      default:
        return false
    }
  }
  if (e.altKey) return false
  if (e.shiftKey && (e.code === 'Digit1' || key === '!')) {
    editor.zoomToFit()
    return true
  }
  if (e.shiftKey && (e.code === 'Digit0' || key === ')')) {
    editor.zoomTo(1)
    return true
  }
  switch (e.key) {
    case 'Delete':
    case 'Backspace':
      editor.deleteSelected()
      return true
    case 'Escape':
      editor.cancel()
      editor.select([])
      editor.setTool('select')
      return true
    case 'Enter':
      actions.editSelected()
      return true
    case '?':
      actions.toggleHelp()
      return true
    case 'ArrowLeft':
    case 'ArrowRight':
    case 'ArrowUp':
    case 'ArrowDown': {
      if (editor.selectedIds.size === 0) return false
      const step = e.shiftKey ? 10 : 1
      const dx = e.key === 'ArrowLeft' ? -step : e.key === 'ArrowRight' ? step : 0
      const dy = e.key === 'ArrowUp' ? -step : e.key === 'ArrowDown' ? step : 0
      editor.nudgeSelected(dx, dy)
      return true
    }
  }
  if (key === 'q') {
    editor.setToolLocked(!editor.toolLocked)
    return true
  }
  const tool = TOOL_BY_KEY.get(key)
  if (tool && !e.shiftKey) {
    editor.setTool(tool)
    return true
  }
  return false
}
