/** Latency summaries and CPU accounting over a measurement window, shared by `commits` and `locks`. */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { machineCpuMs, waitForQuietMachine } from './machine.ts'
import { fixed, percentile, progress } from './report.ts'

export type Summary = {
  n: number
  min: number
  p50: number
  p95: number
  p99: number
  max: number
  mean: number
}

/** Nearest-rank percentiles of `values` (not modified). */
export function summarize(values: readonly number[]): Summary {
  const sorted = Float64Array.from(values).sort()
  const n = sorted.length
  return {
    n,
    min: n > 0 ? sorted[0]! : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: n > 0 ? sorted[n - 1]! : Number.NaN,
    mean: n > 0 ? sorted.reduce((a, b) => a + b, 0) / n : Number.NaN,
  }
}

export const ms = (v: number, digits = 2) => fixed(v, digits)

export type CpuUse = {
  /** CPU time in % of one core during the window (user + system, all threads). */
  serverPct: number | null
  driverPct: number | null
  /** Everything else on the machine: other processes, kernel threads. */
  otherPct: number | null
}

/** CPU use of the server, this process and the rest of the machine between `start` and `stop`. */
export class CpuWindow {
  private readonly t0 = performance.now()
  private readonly server0: number | null
  private readonly driver0: number
  private readonly machine0: number | null

  constructor(private readonly serverCpuMs: () => number | null) {
    this.server0 = serverCpuMs()
    this.driver0 = driverCpuMs()
    this.machine0 = machineCpuMs()
  }

  stop(): CpuUse {
    const elapsed = performance.now() - this.t0
    const server1 = this.serverCpuMs()
    const driver1 = driverCpuMs()
    const machine1 = machineCpuMs()
    const pct = (a: number | null, b: number | null) =>
      a === null || b === null || elapsed <= 0 ? null : ((b - a) / elapsed) * 100
    const serverPct = pct(this.server0, server1)
    const driverPct = pct(this.driver0, driver1)
    const machinePct = pct(this.machine0, machine1)
    return {
      serverPct,
      driverPct,
      otherPct:
        machinePct === null || serverPct === null || driverPct === null
          ? null
          : Math.max(0, machinePct - serverPct - driverPct),
    }
  }
}

function driverCpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** Other processes' load (% of one core) above which a measurement is flagged. */
export const BUSY_OTHER_PCT = 20

/**
 * Waits (bounded) for the rest of the machine to calm down before a measurement; returns the last
 * sample of other processes' load in % of one core. A quick (smoke) run does not wait.
 */
export async function settleMachine(quick: boolean): Promise<number | null> {
  if (quick) return null
  const waitMs = 20_000
  const other = await waitForQuietMachine(BUSY_OTHER_PCT, waitMs)
  if (other !== null && other > BUSY_OTHER_PCT) {
    progress(`other processes still use ${fixed(other, 0)}% of a core after ${waitMs / 1000} s; going on`)
  }
  return other
}

export const cpuCells = (c: CpuUse) => [fixed(c.serverPct, 0), fixed(c.driverPct, 0), fixed(c.otherPct, 0)]
export const CPU_COLUMNS = ['server CPU %', 'driver CPU %', 'other CPU %']

/** Polls `predicate` every 10 ms; rejects after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export type WindowSample = {
  cpu: CpuUse
  /** p99 of this process's event-loop delay during the window, ms: a busy driver shows here. */
  loopDelayP99: number
}

/**
 * Samples CPU use and the driver's event-loop delay between two `performance.now()` times. `done`
 * resolves at `endAt`; `cancel` stops early (the promise then never resolves).
 */
export function sampleWindow(
  serverCpuMs: () => number | null,
  startAt: number,
  endAt: number,
): { done: Promise<WindowSample>; cancel(): void } {
  const lag = monitorEventLoopDelay({ resolution: 5 })
  let cpu: CpuWindow | undefined
  let t1: NodeJS.Timeout | undefined
  let t2: NodeJS.Timeout | undefined
  const done = new Promise<WindowSample>((resolve) => {
    t1 = setTimeout(
      () => {
        cpu = new CpuWindow(serverCpuMs)
        lag.enable()
      },
      Math.max(0, startAt - performance.now()),
    )
    t2 = setTimeout(
      () => {
        lag.disable()
        const use = cpu?.stop() ?? { serverPct: null, driverPct: null, otherPct: null }
        resolve({ cpu: use, loopDelayP99: lag.count > 0 ? lag.percentile(99) / 1e6 : Number.NaN })
      },
      Math.max(0, endAt - performance.now()),
    )
  })
  return {
    done,
    cancel: () => {
      clearTimeout(t1)
      clearTimeout(t2)
      lag.disable()
    },
  }
}
