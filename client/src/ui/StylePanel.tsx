import type { Editor } from '../editor/Editor.ts'
import { ICON } from '../shapes/icon.ts'

const STROKES = ['#1e1e1e', '#e03131', '#2f9e44', '#1971c2', '#f08c00', '#9c36b5']
const FILLS = ['transparent', '#ffc9c9', '#b2f2bb', '#a5d8ff', '#ffec99', '#eebefa']
const WIDTHS = [1, 2, 4, 8]

/** The z-order buttons: test id, title, what they run and their icon (a square and an arrow). */
const LAYERS = [
  {
    id: 'back',
    title: 'Send to back (Ctrl+Shift+[)',
    run: (e: Editor) => e.sendToBack(),
    d: 'M10 3v11m-4-4l4 4 4-4M4 17h12',
  },
  {
    id: 'backward',
    title: 'Send backward (Ctrl+[)',
    run: (e: Editor) => e.sendBackward(),
    d: 'M10 4v11m-4-4l4 4 4-4',
  },
  {
    id: 'forward',
    title: 'Bring forward (Ctrl+])',
    run: (e: Editor) => e.bringForward(),
    d: 'M10 16V5m-4 4l4-4 4 4',
  },
  {
    id: 'front',
    title: 'Bring to front (Ctrl+Shift+])',
    run: (e: Editor) => e.bringToFront(),
    d: 'M10 17V6m-4 4l4-4 4 4M4 3h12',
  },
] as const

/** Stroke, fill, width and opacity for the selection and for new shapes. */
export function StylePanel({ editor }: { editor: Editor }) {
  const selected = editor.getSelectedShapes()
  const drawing = !['select', 'hand'].includes(editor.currentToolId)
  if (!drawing && selected.length === 0) return null
  const current = selected[0] ?? editor.style
  return (
    <fieldset
      className="style-panel panel"
      data-testid="style-panel"
      disabled={editor.readOnly}
      title={editor.readOnly ? 'This board is view-only for you' : undefined}
    >
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
      {selected.length > 0 && (
        <>
          <div className="label">Layers</div>
          <div className="swatches">
            {LAYERS.map((l) => (
              <button
                key={l.id}
                type="button"
                data-testid={`style.z.${l.id}`}
                className="swatch layer"
                title={l.title}
                aria-label={l.title}
                onClick={() => l.run(editor)}
              >
                <svg width="16" height="16" viewBox="0 0 20 20" aria-hidden>
                  <path {...ICON} d={l.d} />
                </svg>
              </button>
            ))}
          </div>
        </>
      )}
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
    </fieldset>
  )
}
