/**
 * Line charts as standalone SVG files, for the benchmark reports: scales and ticks from d3-scale,
 * the markup written here (no DOM, no fonts to load: it renders the same in a browser, on GitHub
 * and in an image viewer).
 */
import { scaleLinear, scaleLog } from 'd3-scale'

export type Series = {
  label: string
  /** `[x, y]` pairs; drawn in x order. Points with a non-finite coordinate are skipped. */
  points: [number, number][]
  /** Dashed line (e.g. a second percentile of the same server). */
  dashed?: boolean
  /** Series of one group share a colour (e.g. one server's p50 and p99); the label by default. */
  group?: string
}

export type Chart = {
  /** File name stem: the runner writes `bench/results/<bench>.<name>.svg`. */
  name: string
  title: string
  xLabel: string
  yLabel: string
  logX?: boolean
  logY?: boolean
  series: Series[]
}

const WIDTH = 720
const HEIGHT = 420
const MARGIN = { top: 44, right: 190, bottom: 56, left: 72 }
/** Colour-blind-safe (Okabe–Ito), in series order. */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442']

type Scale = {
  (v: number): number
  ticks(n?: number): number[]
  tickFormat(n?: number, f?: string): (v: number) => string
}

function scale(log: boolean, domain: [number, number], range: [number, number]): Scale {
  if (log) {
    const [lo, hi] = domain
    // A single value (or a tiny range) still needs a decade around it to draw ticks.
    const d: [number, number] = lo === hi ? [lo / 2, hi * 2] : domain
    return scaleLog().domain(d).range(range).nice() as unknown as Scale
  }
  const [lo, hi] = domain
  const d: [number, number] = lo === hi ? [lo - 1, hi + 1] : [Math.min(0, lo), hi]
  return scaleLinear().domain(d).range(range).nice() as unknown as Scale
}

function extent(values: number[], log: boolean): [number, number] {
  const usable = values.filter((v) => Number.isFinite(v) && (!log || v > 0))
  if (usable.length === 0) return log ? [1, 10] : [0, 1]
  return [Math.min(...usable), Math.max(...usable)]
}

const xml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')

/** Compact tick labels: 1500 → 1.5k, 0.25 → 0.25. */
function label(v: number): string {
  const a = Math.abs(v)
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`
  return String(+v.toPrecision(3))
}

/** Log-axis ticks: the decades and their 2× and 5× steps, thinned to at most ~8. */
function ticksOf(s: Scale, log: boolean): number[] {
  const all = s.ticks(log ? undefined : 6)
  if (!log) return all
  const nice = all.filter((t) => {
    const m = t / 10 ** Math.floor(Math.log10(t) + 1e-9)
    return [1, 2, 5].some((k) => Math.abs(m - k) < 1e-6)
  })
  const decades = nice.filter((t) => Math.abs(t / 10 ** Math.round(Math.log10(t)) - 1) < 1e-6)
  return nice.length <= 8 ? nice : decades
}

/** Renders `chart` as a complete SVG document. */
export function renderChart(chart: Chart): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom
  const points = chart.series.flatMap((s) => s.points)
  const x = scale(
    !!chart.logX,
    extent(
      points.map((p) => p[0]),
      !!chart.logX,
    ),
    [0, plotW],
  )
  const y = scale(
    !!chart.logY,
    extent(
      points.map((p) => p[1]),
      !!chart.logY,
    ),
    [plotH, 0],
  )
  const usable = (p: [number, number]) =>
    Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!chart.logX || p[0] > 0) && (!chart.logY || p[1] > 0)

  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
    `<title>${xml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="600" fill="#1a1a1a">${xml(chart.title)}</text>`,
    `<g transform="translate(${MARGIN.left},${MARGIN.top})">`,
  )
  for (const t of ticksOf(y, !!chart.logY)) {
    const py = y(t).toFixed(1)
    out.push(
      `<line x1="0" x2="${plotW}" y1="${py}" y2="${py}" stroke="#e6e6e6"/>`,
      `<text x="-8" y="${py}" text-anchor="end" dominant-baseline="middle" fill="#555">${label(t)}</text>`,
    )
  }
  for (const t of ticksOf(x, !!chart.logX)) {
    const px = x(t).toFixed(1)
    out.push(
      `<line x1="${px}" x2="${px}" y1="${plotH}" y2="${plotH + 5}" stroke="#999"/>`,
      `<text x="${px}" y="${plotH + 18}" text-anchor="middle" fill="#555">${label(t)}</text>`,
    )
  }
  out.push(
    `<line x1="0" x2="${plotW}" y1="${plotH}" y2="${plotH}" stroke="#999"/>`,
    `<line x1="0" x2="0" y1="0" y2="${plotH}" stroke="#999"/>`,
    `<text x="${plotW / 2}" y="${plotH + 42}" text-anchor="middle" fill="#333">${xml(chart.xLabel)}${chart.logX ? ' (log scale)' : ''}</text>`,
    `<text transform="translate(-54,${plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">${xml(chart.yLabel)}${chart.logY ? ' (log scale)' : ''}</text>`,
  )
  const groups = [...new Set(chart.series.map((s) => s.group ?? s.label))]
  chart.series.forEach((s, i) => {
    const colour = COLOURS[groups.indexOf(s.group ?? s.label) % COLOURS.length]
    const pts = s.points.filter(usable).sort((a, b) => a[0] - b[0])
    const path = pts
      .map(([px, py], k) => `${k === 0 ? 'M' : 'L'}${x(px).toFixed(1)},${y(py).toFixed(1)}`)
      .join('')
    if (pts.length > 1) {
      out.push(
        `<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      )
    }
    for (const [px, py] of pts) {
      out.push(
        `<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3.5" fill="${colour}"><title>${xml(s.label)}: ${label(px)}, ${label(py)}</title></circle>`,
      )
    }
    const ly = 8 + i * 20
    out.push(
      `<line x1="${plotW + 16}" x2="${plotW + 40}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${plotW + 46}" y="${ly}" dominant-baseline="middle" fill="#333">${xml(s.label)}</text>`,
    )
  })
  out.push('</g>', '</svg>')
  return `${out.join('\n')}\n`
}
