import type { Editor } from '../editor/Editor.ts'

const STROKES = ['#1e1e1e', '#e03131', '#2f9e44', '#1971c2', '#f08c00', '#9c36b5']
const FILLS = ['transparent', '#ffc9c9', '#b2f2bb', '#a5d8ff', '#ffec99', '#eebefa']
const WIDTHS = [1, 2, 4, 8]

/** Stroke, fill, width and opacity for the selection and for new shapes. */
export function StylePanel({ editor }: { editor: Editor }) {
  const selected = editor.getSelectedShapes()
  const drawing = !['select', 'hand'].includes(editor.currentToolId)
  if (!drawing && selected.length === 0) return null
  const current = selected[0] ?? editor.style
  return (
    <div className="style-panel panel" data-testid="style-panel">
      <div className="label">Stroke</div>
      <div className="swatches">
        {STROKES.map((c) => (
          <button
            key={c}
            type="button"
            data-testid={`style.stroke.${c}`}
            className={current.stroke === c ? 'swatch active' : 'swatch'}
            style={{ background: c }}
            aria-label={`Stroke ${c}`}
            onClick={() => editor.setStyle({ stroke: c })}
          />
        ))}
      </div>
      <div className="label">Fill</div>
      <div className="swatches">
        {FILLS.map((c) => (
          <button
            key={c}
            type="button"
            data-testid={`style.fill.${c}`}
            className={`${current.fill === c ? 'swatch active' : 'swatch'}${c === 'transparent' ? ' none' : ''}`}
            style={{ background: c === 'transparent' ? undefined : c }}
            aria-label={c === 'transparent' ? 'No fill' : `Fill ${c}`}
            onClick={() => editor.setStyle({ fill: c })}
          />
        ))}
      </div>
      <div className="label">Stroke width</div>
      <div className="swatches">
        {WIDTHS.map((w) => (
          <button
            key={w}
            type="button"
            data-testid={`style.width.${w}`}
            className={current.strokeWidth === w ? 'swatch width active' : 'swatch width'}
            aria-label={`Stroke width ${w}`}
            onClick={() => editor.setStyle({ strokeWidth: w })}
          >
            <span style={{ height: Math.min(w, 8) }} />
          </button>
        ))}
      </div>
      <label className="label" htmlFor="opacity">
        Opacity {Math.round(current.opacity * 100)}%
      </label>
      <input
        id="opacity"
        data-testid="style.opacity"
        type="range"
        min={10}
        max={100}
        step={10}
        value={Math.round(current.opacity * 100)}
        onChange={(e) => editor.setStyle({ opacity: Number(e.target.value) / 100 })}
      />
    </div>
  )
}
