/** Shared types and formatting for benchmark modules and the runner. */
import type { Chart } from './chart.ts'

export type { Chart } from './chart.ts'

export type Cell = string | number | null

export type Table = {
  title: string
  columns: string[]
  rows: Cell[][]
}

export type BenchOptions = {
  /** Smaller sizes for a smoke run. */
  quick: boolean
  /** When set, server child processes write V8 CPU profiles into this directory. */
  cpuProfileDir?: string
}

export type BenchResult = {
  title: string
  /** Markdown paragraphs or list items describing the method; printed above the tables. */
  description: string[]
  tables: Table[]
  /** Remarks printed below the tables. */
  notes: string[]
  /** Charts, written as SVG files beside the report and shown in it above the notes. */
  charts?: Chart[]
  /** Raw data for the JSON file. */
  data: unknown
}

export type Benchmark = {
  name: string
  run(options: BenchOptions): Promise<BenchResult>
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

/** Fixed-point number for tables; `null` and NaN print as an em dash. */
export function fixed(value: number | null, digits = 1): string {
  return value === null || Number.isNaN(value) ? '—' : value.toFixed(digits)
}

export function markdownTable(table: Table): string {
  const cell = (c: Cell) => (c === null ? '—' : String(c).replaceAll('|', '\\|'))
  const lines = [
    `| ${table.columns.map(cell).join(' | ')} |`,
    `| ${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ]
  return lines.join('\n')
}

/** Progress output goes to stderr so stdout carries only the Markdown results. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`)
}
