import { isEditableTarget } from './canvas/Canvas.tsx'
import type { Editor } from './editor/Editor.ts'
import { TOOL_IDS, type ToolId } from './editor/tools/index.ts'
import { toolMeta } from './ui/Toolbar.tsx'

const TOOL_BY_KEY = new Map<string, ToolId>(TOOL_IDS.map((id) => [toolMeta(id).key.toLowerCase(), id]))

export type ShortcutActions = {
  toggleHelp: () => void
  editSelected: () => void
}

/** Keyboard shortcuts (also listed in the help dialog). Returns true when the key was handled. */
export function handleShortcut(editor: Editor, e: KeyboardEvent, actions: ShortcutActions): boolean {
  if (isEditableTarget(e.target)) return false
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
