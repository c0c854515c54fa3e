import { describe, expect, it } from 'vitest'
import { formatStep } from '../src/plan.ts'
import { runScenario } from '../src/run.ts'
import { shrink } from '../src/shrink.ts'

/**
 * A fixed set of seeds, each a whole scenario against a real server process: three users on the
 * real client stack, random edits, faults (dropped sockets, offline spells, reloads, frozen tabs,
 * latency and duplicated frames, kill -9 and restarts) and the invariants at every checkpoint.
 * `pnpm chaos --seeds N` runs more. On failure the seed, the violations and a shrunk trace are
 * printed.
 */
const SEEDS = (process.env.CHAOS_SEEDS ?? '1,2,3,4,5,6').split(',').map(Number)
process.setMaxListeners(100)

describe('chaos', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: every guarantee holds`, async () => {
      const result = await runScenario(seed)
      if (result.violations.length > 0) {
        const small = await shrink(result, {}, 120_000)
        const report = [
          `seed ${seed} failed (replay: pnpm chaos --from ${seed} --seeds 1):`,
          ...result.violations.map((v) => `  [${v.kind}] ${v.detail}`),
          `shrunk trace (${small.steps.length} steps):`,
          ...small.steps.map((s) => `  ${formatStep(s)}`),
          ...small.violations.map((v) => `  => [${v.kind}] ${v.detail}`),
        ].join('\n')
        expect.fail(report)
      }
      expect(result.stats.checks).toBe(2)
      expect(Object.values(result.stats.ops).reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
    }, 240_000)
  }
})
