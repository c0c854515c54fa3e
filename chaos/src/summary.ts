import type { RunResult } from './run.ts'

/** Totals over many seeds, as a Markdown table and as JSON. */
export function summarize(results: RunResult[]) {
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v
  }
  const ops: Record<string, number> = {}
  const faults: Record<string, number> = {}
  let reloads = 0
  let sockets = 0
  let duplicated = 0
  let commits = 0
  let grants = 0
  let checks = 0
  let ms = 0
  for (const r of results) {
    add(ops, r.stats.ops)
    add(faults, r.stats.faults)
    reloads += r.stats.reloads
    sockets += r.stats.sockets
    duplicated += r.stats.framesDuplicated
    commits += r.stats.commits
    grants += r.stats.grants
    checks += r.stats.checks
    ms += r.stats.ms
  }
  const failed = results.filter((r) => r.violations.length > 0)
  const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0)
  const list = (o: Record<string, number>) =>
    Object.entries(o)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')
  const rows = [
    ['seeds run', `${results.length} (${results.length - failed.length} passed, ${failed.length} failed)`],
    ['operations', `${total(ops)}: ${list(ops)}`],
    ['faults injected', `${total(faults)}: ${list(faults)}`],
    ['page reloads', String(reloads)],
    ['sockets opened', String(sockets)],
    ['frames duplicated', String(duplicated)],
    ['commits', String(commits)],
    ['lease grants', String(grants)],
    ['checkpoints', String(checks)],
    ['violations', String(failed.reduce((n, r) => n + r.violations.length, 0))],
    ['wall time', `${(ms / 1000).toFixed(0)} s`],
  ]
  const table = ['| | |', '|---|---|', ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join('\n')
  return {
    table,
    json: { seeds: results.map((r) => ({ seed: r.seed, violations: r.violations, stats: r.stats })), rows },
  }
}
