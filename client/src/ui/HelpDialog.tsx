import { TOOL_IDS } from '../editor/tools/index.ts'
import { Modal } from './Modal.tsx'
import { toolMeta } from './Toolbar.tsx'

export const SHORTCUTS: [string, string][] = [
  ...TOOL_IDS.map((id): [string, string] => [toolMeta(id).key, toolMeta(id).label]),
  ['Q', 'Keep the current tool after drawing'],
  ['Space + drag, middle drag, wheel', 'Pan'],
  ['Ctrl + wheel, pinch', 'Zoom'],
  ['Ctrl + = / Ctrl + -', 'Zoom in / out'],
  ['Shift + 1', 'Zoom to fit'],
  ['Shift + 0', 'Reset zoom to 100%'],
  ['Ctrl + A', 'Select all'],
  ['Shift + click, drag on canvas', 'Add to selection, marquee select'],
  ['Arrow keys (Shift: ×10)', 'Nudge selection'],
  ['Delete / Backspace', 'Delete selection'],
  ['Ctrl + D', 'Duplicate'],
  ['Ctrl + G / Ctrl + Shift + G', 'Group / ungroup'],
  ['Ctrl + Shift + L', 'Lock the selection (unlock from its right-click menu)'],
  ['Double-click a group', 'Enter it: clicks then pick single members (Esc leaves)'],
  ['Double-click empty canvas', 'New text'],
  ['Ctrl + drag', 'Move or draw without snapping'],
  ['Ctrl + C / X / V', 'Copy / cut / paste (also between boards)'],
  ['Ctrl + ]  /  [', 'Bring forward / send backward (past the next overlapping shape)'],
  ['Ctrl + Shift + ]  /  [', 'Bring to front / send to back'],
  ['Ctrl + Z / Ctrl + Shift + Z, Ctrl + Y', 'Undo / redo (your own changes only)'],
  ['Enter, double-click', 'Edit text of a text or sticky note'],
  ['Escape', 'Cancel, deselect'],
  ['?', 'This help'],
]

/** The shortcut list: modal (no key reaches the board behind it), closed by Esc, ✕ or a click outside. */
export function HelpDialog({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="Keyboard shortcuts" testId="help-dialog" closeTestId="help-close" onClose={onClose}>
      <table>
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr key={keys + what}>
              <td>
                <kbd>{keys}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  )
}
