import type { Shape } from '@easel/shared'

/**
 * Text layout shared by the canvas, the text editor overlay and SVG/PNG export: words wrapped
 * greedily at a width, words longer than the width broken between characters, one line per
 * paragraph at least. Widths come from a canvas 2D context in the browser and from a fixed
 * per-character advance elsewhere (unit tests in Node), so a layout is the same wherever it is made.
 */

export const DEFAULT_FONT_SIZE = 20
export const FONT_FAMILY = 'system-ui, sans-serif'
export const LINE_HEIGHT = 1.25
/** A growing text box wraps past this many ems (480 px at 20 px). */
export const AUTO_MAX_EMS = 24
/** Advance of one character where no canvas measures text, in ems. */
export const FALLBACK_ADVANCE = 0.6

/** Width in px of `text` at `fontSize` in {@link FONT_FAMILY}. */
export type Measure = (text: string, fontSize: number) => number

export type TextLayout = {
  lines: string[]
  /** Width of the widest line. */
  width: number
  /** Lines × line height. */
  height: number
  lineHeight: number
  fontSize: number
}

/** The font size of a shape, a sane default when it has none or an odd one. */
export function fontSize(s: Pick<Shape, 'fontSize'>): number {
  const f = s.fontSize
  return typeof f === 'number' && Number.isFinite(f) && f >= 4 && f <= 512 ? f : DEFAULT_FONT_SIZE
}

export const fallbackMeasure: Measure = (text, size) => [...text].length * size * FALLBACK_ADVANCE

function canvasMeasure(): Measure | null {
  if (typeof document === 'undefined') return null
  const ctx = document.createElement('canvas').getContext('2d')
  if (!ctx) return null
  let font = ''
  return (text, size) => {
    const f = `${size}px ${FONT_FAMILY}`
    if (f !== font) ctx.font = font = f
    return ctx.measureText(text).width
  }
}

let measureImpl: Measure | null = null

/** The measure layouts use by default: the browser's canvas when there is one. */
export function defaultMeasure(): Measure {
  measureImpl ??= canvasMeasure() ?? fallbackMeasure
  return measureImpl
}

/** Per measure: widths of tokens and recent layouts (every render of a shape lays it out). */
type Caches = { widths: Map<string, number>; layouts: Map<string, TextLayout> }
const caches = new WeakMap<Measure, Caches>()

function cachesOf(measure: Measure): Caches {
  let c = caches.get(measure)
  if (!c) {
    c = { widths: new Map(), layouts: new Map() }
    caches.set(measure, c)
  }
  return c
}

/** Bounded, so a long session does not grow them forever. */
/** A bounded least-recently-used cache on a Map (insertion order): a hit moves to the end. */
function cached<V>(map: Map<string, V>, key: string, make: () => V, max: number): V {
  const hit = map.get(key)
  if (hit !== undefined) {
    map.delete(key)
    map.set(key, hit)
    return hit
  }
  const value = make()
  if (map.size >= max) map.delete(map.keys().next().value!)
  map.set(key, value)
  return value
}

/**
 * Lays `text` out in lines no wider than `maxWidth` (greedy word wrap; spaces at the end of a
 * line are dropped). Widths of a line are the sums of its words' and spaces' widths. Never throws; linear in
 * the text's length.
 */
export function layoutText(
  text: string,
  size: number,
  maxWidth: number,
  measure: Measure = defaultMeasure(),
): TextLayout {
  const limit = Number.isFinite(maxWidth) && maxWidth > 0 ? maxWidth : 1
  if (!(size > 0 && size < Number.POSITIVE_INFINITY)) size = DEFAULT_FONT_SIZE
  const { widths, layouts } = cachesOf(measure)
  const key = `${size}|${limit}|${text}`
  const m: Measure = (t, sz) => cached(widths, `${sz}|${t}`, () => measure(t, sz), 20_000)
  return cached(layouts, key, () => wrap(text, size, limit, m), 500)
}

function wrap(text: string, size: number, limit: number, m: Measure): TextLayout {
  const lines: string[] = []
  let width = 0
  const push = (line: string, w: number) => {
    lines.push(line)
    width = Math.max(width, w)
  }
  let line = ''
  let lineW = 0
  /** Ends the line (without the spaces it ends in). */
  const breakLine = () => {
    const t = line.trimEnd()
    push(t, t === line ? lineW : lineW - m(line.slice(t.length), size))
    line = ''
    lineW = 0
  }
  for (const paragraph of text.split('\n')) {
    // Runs of spaces and of non-spaces, alternating.
    for (const token of paragraph.match(/\s+|\S+/g) ?? []) {
      const w = m(token, size)
      if (/^\s/.test(token) || lineW + w <= limit) {
        // Spaces stay on their line (at a break they are dropped with it).
        line += token
        lineW += w
      } else if (w <= limit) {
        breakLine()
        line = token
        lineW = w
      } else {
        // Longer than a line: it goes on after what is on the line, broken between characters
        // (at least one character per line).
        for (const ch of token) {
          const cw = m(ch, size)
          if (lineW + cw > limit && line.trim() !== '') breakLine()
          line += ch
          lineW += cw
        }
      }
    }
    breakLine()
  }
  const lineHeight = size * LINE_HEIGHT
  return { lines, width, height: lines.length * lineHeight, lineHeight, fontSize: size }
}

/** The width a growing text box wraps at. */
export function autoMaxWidth(size: number): number {
  return size * AUTO_MAX_EMS
}

type TextBoxShape = Pick<Shape, 'text' | 'fontSize' | 'w'> & { fixedWidth?: boolean }

/**
 * A text shape's layout and size: a growing box is as wide as its widest line up to
 * {@link autoMaxWidth} (at least one em, for the caret); one whose width the user set wraps inside
 * it. Either way the height is that of its lines.
 */
export function textBox(s: TextBoxShape, text = s.text, measure?: Measure) {
  const size = fontSize(s)
  const fixed = !!s.fixedWidth && Number.isFinite(s.w) && s.w > 0
  const layout = layoutText(text, size, fixed ? s.w : autoMaxWidth(size), measure)
  return { layout, fixed, w: fixed ? s.w : Math.max(size, Math.ceil(layout.width)), h: layout.height }
}

/** A sticky note's layout inside its padding, and the height its text needs. */
export function noteBox(
  s: Pick<Shape, 'text' | 'fontSize' | 'w'>,
  pad: number,
  text = s.text,
  measure?: Measure,
) {
  const inner = Math.max(1, (Number.isFinite(s.w) ? s.w : 0) - pad * 2)
  const layout = layoutText(text, fontSize(s), inner, measure)
  return { layout, needed: Math.ceil(layout.height + pad * 2) }
}
