import type { Editor } from '../editor/Editor.ts'
import { TOOL_IDS, type ToolId } from '../editor/tools/index.ts'
import { SHAPES } from '../shapes/index.ts'
import { ToolIcon } from './icons.tsx'

export type ToolMeta = { label: string; key: string }

const SELECT: ToolMeta = { label: 'Select', key: 'V' }
const HAND: ToolMeta = { label: 'Hand (pan)', key: 'H' }

/** A tool's name and keyboard shortcut; a creation tool's come from its shape kind's module. */
export function toolMeta(id: ToolId): ToolMeta {
  return id === 'select' ? SELECT : id === 'hand' ? HAND : SHAPES[id].tool
}

/** Tools a view-only user keeps: looking around and selecting. */
const VIEW_TOOLS: readonly ToolId[] = ['select', 'hand']

/** The tool picker. Each button is `tool.<name>` for tests; on a view-only board only select and hand work. */
export function Toolbar({ editor }: { editor: Editor }) {
  return (
    <div className="toolbar panel" role="toolbar" aria-label="Tools">
      {TOOL_IDS.map((id) => {
        const meta = toolMeta(id)
        return (
          <button
            key={id}
            type="button"
            data-testid={`tool.${id}`}
            className={editor.currentToolId === id ? 'tool active' : 'tool'}
            title={`${meta.label} (${meta.key})`}
            aria-label={meta.label}
            aria-pressed={editor.currentToolId === id}
            disabled={editor.readOnly && !VIEW_TOOLS.includes(id)}
            onClick={() => editor.setTool(id)}
          >
            <ToolIcon id={id} />
          </button>
        )
      })}
      <span className="divider" />
      <button
        type="button"
        data-testid="tool.lock"
        className={editor.toolLocked ? 'tool active' : 'tool'}
        title="Keep tool active after drawing (Q)"
        aria-label="Keep tool active"
        aria-pressed={editor.toolLocked}
        disabled={editor.readOnly}
        onClick={() => {
          editor.setToolLocked(!editor.toolLocked)
        }}
      >
        <ToolIcon id={editor.toolLocked ? 'lock' : 'unlock'} />
      </button>
    </div>
  )
}
