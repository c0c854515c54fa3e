import type { Editor } from '../editor/Editor.ts'
import { TOOL_IDS, type ToolId } from '../editor/tools/index.ts'
import { ToolIcon } from './icons.tsx'

export const TOOL_META: Record<ToolId, { label: string; key: string }> = {
  select: { label: 'Select', key: 'V' },
  hand: { label: 'Hand (pan)', key: 'H' },
  rect: { label: 'Rectangle', key: 'R' },
  ellipse: { label: 'Ellipse', key: 'O' },
  line: { label: 'Line', key: 'L' },
  arrow: { label: 'Arrow', key: 'A' },
  pen: { label: 'Pen', key: 'P' },
  text: { label: 'Text', key: 'T' },
  sticky: { label: 'Sticky note', key: 'S' },
}

/** The tool picker. Each button is `tool.<name>` for tests. */
export function Toolbar({ editor }: { editor: Editor }) {
  return (
    <div className="toolbar panel" role="toolbar" aria-label="Tools">
      {TOOL_IDS.map((id) => {
        const meta = TOOL_META[id]
        return (
          <button
            key={id}
            type="button"
            data-testid={`tool.${id}`}
            className={editor.currentToolId === id ? 'tool active' : 'tool'}
            title={`${meta.label} (${meta.key})`}
            aria-label={meta.label}
            aria-pressed={editor.currentToolId === id}
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
        onClick={() => {
          editor.setToolLocked(!editor.toolLocked)
        }}
      >
        <ToolIcon id={editor.toolLocked ? 'lock' : 'unlock'} />
      </button>
    </div>
  )
}
