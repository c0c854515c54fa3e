/**
 * `pnpm chaos --seeds N [--from S] [--users K] [--steps M] [--shrink-ms T] [--out FILE]`: runs seeds
 * S..S+N-1, prints one line per seed and a summary table, and for every failing seed its
 * violations and a shrunk trace. Exits 1 if any seed failed.
 */
import fs from 'node:fs'
import { parseArgs } from 'node:util'
import { formatStep } from './plan.ts'
import { DEFAULT_OPTIONS, type RunResult, runScenario } from './run.ts'
import { shrink } from './shrink.ts'
import { summarize } from './summary.ts'

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    from: { type: 'string', default: '1' },
    users: { type: 'string', default: String(DEFAULT_OPTIONS.users) },
    steps: { type: 'string', default: String(DEFAULT_OPTIONS.steps) },
    'shrink-ms': { type: 'string', default: '300000' },
    out: { type: 'string' },
  },
})
const count = Number(values.seeds)
const from = Number(values.from)
const options = { users: Number(values.users), steps: Number(values.steps) }
process.setMaxListeners(100)

const results: RunResult[] = []
for (let seed = from; seed < from + count; seed++) {
  const r = await runScenario(seed, options)
  results.push(r)
  const ops = Object.values(r.stats.ops).reduce((a, b) => a + b, 0)
  const faults = Object.values(r.stats.faults).reduce((a, b) => a + b, 0)
  console.log(
    `seed ${seed}: ${r.violations.length === 0 ? 'ok' : `${r.violations.length} violation(s)`} · ${ops} ops, ${faults} faults, ${(r.stats.ms / 1000).toFixed(1)} s`,
  )
  if (r.violations.length > 0) {
    for (const v of r.violations) console.log(`  [${v.kind}] ${v.detail}`)
    const small = await shrink(r, options, Number(values['shrink-ms']), console.log)
    console.log(`  seed ${seed} shrunk to ${small.steps.length} steps:`)
    for (const s of small.steps) console.log(`    ${formatStep(s)}`)
    for (const v of small.violations) console.log(`    => [${v.kind}] ${v.detail}`)
  }
}
const summary = summarize(results)
console.log(`\n${summary.table}`)
if (values.out) fs.writeFileSync(values.out, JSON.stringify(summary.json, null, 2))
process.exit(results.some((r) => r.violations.length > 0) ? 1 : 0)
