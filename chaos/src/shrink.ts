import type { Step } from './plan.ts'
import { type ChaosOptions, type RunResult, runScenario } from './run.ts'

/**
 * Shrinks a failing trace by delta debugging: drops chunks of steps (halves, then quarters, down
 * to single steps) and keeps a smaller trace whenever it still fails with a violation of the same
 * kind. Checkpoints are never dropped. Each attempt runs a whole scenario against a real server,
 * so the search is bounded by `budgetMs`; timing makes replays approximate, which is why a chunk
 * is only dropped when the smaller trace fails again.
 */
export async function shrink(
  failed: RunResult,
  options: Partial<ChaosOptions>,
  budgetMs: number,
  log: (line: string) => void = () => {},
): Promise<RunResult> {
  const deadline = Date.now() + budgetMs
  const kind = failed.violations[0]!.kind
  let best = failed
  let chunk = Math.max(1, Math.floor(best.steps.length / 2))
  while (chunk >= 1 && Date.now() < deadline) {
    let shrunk = false
    for (let start = 0; start < best.steps.length && Date.now() < deadline; start += chunk) {
      const candidate = removeChunk(best.steps, start, chunk)
      if (candidate.length === best.steps.length) continue
      const r = await runScenario(failed.seed, options, candidate)
      log(`  shrink: ${candidate.length} steps -> ${r.violations.length ? r.violations[0]!.kind : 'passes'}`)
      if (r.violations.some((v) => v.kind === kind)) {
        best = r
        shrunk = true
        start -= chunk
      }
    }
    if (!shrunk) chunk = Math.floor(chunk / 2)
  }
  return best
}

function removeChunk(steps: Step[], start: number, size: number): Step[] {
  const out = steps.filter((s, i) => i < start || i >= start + size || s.t === 'check')
  if (out.at(-1)?.t !== 'check') out.push({ t: 'check' })
  return out
}
