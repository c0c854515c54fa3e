/**
 * Latency summaries, and the one CPU sampler of the benchmarks: CPU time from /proc (Linux) of the
 * servers, the browser, this driver and the rest of the machine over a measurement window.
 */
import fs from 'node:fs'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { sleep } from '@easel/testkit/waitFor.ts'
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
export function summarize(values: ArrayLike<number>): Summary {
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

/** Linux USER_HZ is 100 on every mainstream configuration. */
const CLOCK_TICKS_PER_SEC = 100

/**
 * CPU time of a /proc `stat` line in ms: utime + stime (fields 14 and 15, after the command name),
 * or with `kernelOnly` stime alone (system calls: socket writes, file writes, locks).
 */
function statCpuMs(stat: string, kernelOnly = false): number | null {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = (kernelOnly ? 0 : Number(fields[11])) + Number(fields[12])
  return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SEC : null
}

function readStatMs(file: string, kernelOnly = false): number | null {
  try {
    return statCpuMs(fs.readFileSync(file, 'utf8'), kernelOnly)
  } catch {
    return null
  }
}

/** User + system CPU time of a process (all threads) in ms; null where /proc is unavailable. */
export const processCpuMs = (pid: number): number | null => readStatMs(`/proc/${pid}/stat`)

/** The same for the main thread (tid = pid) only. */
export const mainThreadCpuMs = (pid: number): number | null => readStatMs(`/proc/${pid}/task/${pid}/stat`)

/** System (kernel) CPU time of a process, all threads, in ms. */
export const processKernelCpuMs = (pid: number): number | null => readStatMs(`/proc/${pid}/stat`, true)

/** Busy CPU time of the whole machine (all cores, everything but idle and iowait) in ms; null without /proc. */
function machineCpuMs(): number | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
    // cpu  user nice system idle iowait irq softirq steal …
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number)
    const ticks = user! + nice! + system! + irq! + softirq! + steal!
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SEC : null
  } catch {
    return null
  }
}

function driverCpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** CPU time in ms so far of something measured: a process, a process tree, one thread. */
export type CpuSource = () => number | null

export type CpuReading<K extends string> = {
  elapsedMs: number
  /** CPU time of each source during the window in % of one core (user + system, all threads). */
  pct: Record<K, number | null>
  driverPct: number | null
  /** Everything else on the machine: other processes, kernel threads. */
  otherPct: number | null
}

/**
 * CPU use of `sources`, this process and the rest of the machine between construction and
 * `stop`. Sources named in `partsOf` are parts of another source (a thread of a process) and are
 * not subtracted again from "other".
 */
export class CpuWindow<K extends string> {
  private readonly t0 = performance.now()
  private readonly start: Record<K | 'driver' | 'machine', number | null>

  constructor(
    private readonly sources: Record<K, CpuSource>,
    private readonly partsOf: readonly NoInfer<K>[] = [],
  ) {
    this.start = this.sample()
  }

  private sample(): Record<K | 'driver' | 'machine', number | null> {
    const out = { driver: driverCpuMs(), machine: machineCpuMs() } as Record<
      K | 'driver' | 'machine',
      number | null
    >
    for (const key of Object.keys(this.sources) as K[]) out[key] = this.sources[key]()
    return out
  }

  stop(): CpuReading<K> {
    const end = this.sample()
    const elapsedMs = performance.now() - this.t0
    const pct = (key: K | 'driver' | 'machine') => {
      const a = this.start[key]
      const b = end[key]
      return a === null || b === null || elapsedMs <= 0 ? null : ((b - a) / elapsedMs) * 100
    }
    const keys = Object.keys(this.sources) as K[]
    const byKey = Object.fromEntries(keys.map((k) => [k, pct(k)])) as Record<K, number | null>
    const driverPct = pct('driver')
    const counted = [driverPct, ...keys.filter((k) => !this.partsOf.includes(k)).map((k) => byKey[k])]
    const machinePct = pct('machine')
    const otherPct =
      machinePct === null || counted.some((c) => c === null)
        ? null
        : Math.max(0, machinePct - counted.reduce<number>((a, c) => a + c!, 0))
    return { elapsedMs, pct: byKey, driverPct, otherPct }
  }
}

export type CpuUse = { serverPct: number | null; driverPct: number | null; otherPct: number | null }

/** Parts of the server's CPU time (a process's threads; its time in the kernel), in % of one core. */
export type ServerCpuParts = { mainThreadPct: number | null; kernelPct: number | null }

/** Other processes' load (% of one core) above which a machine counts as busy: waited for, flagged. */
export const BUSY_OTHER_PCT = 20
/** How long a full run waits for a busy machine to calm down before a measurement. */
export const SETTLE_WAIT_MS = 20_000

/**
 * Waits (bounded) until the rest of the machine (everything but this process) uses at most
 * {@link BUSY_OTHER_PCT} % of one core over a one-second sample; returns that load, null without
 * /proc. A quick (smoke) run does not wait.
 */
export async function settleMachine(quick: boolean): Promise<number | null> {
  if (quick) return null
  const deadline = Date.now() + SETTLE_WAIT_MS
  for (;;) {
    const window = new CpuWindow({})
    await sleep(1000)
    const { otherPct } = window.stop()
    if (otherPct === null || otherPct <= BUSY_OTHER_PCT) return otherPct
    if (Date.now() >= deadline) {
      progress(
        `other processes still use ${fixed(otherPct, 0)}% of a core after ${SETTLE_WAIT_MS / 1000} s; going on`,
      )
      return otherPct
    }
  }
}

export const cpuCells = (c: CpuUse) => [fixed(c.serverPct, 0), fixed(c.driverPct, 0), fixed(c.otherPct, 0)]
export const CPU_COLUMNS = ['server CPU %', 'driver CPU %', 'other CPU %']

export type WindowSample = {
  cpu: CpuUse
  /** Present when the server's pid was given to {@link sampleWindow}. */
  serverParts?: ServerCpuParts
  /** p99 of this process's event-loop delay during the window, ms: a busy driver shows here. */
  loopDelayP99: number
}

export const NO_SAMPLE: WindowSample = {
  cpu: { serverPct: null, driverPct: null, otherPct: null },
  loopDelayP99: Number.NaN,
}

/**
 * Samples CPU use and the driver's event-loop delay between two `performance.now()` times. `done`
 * resolves at `endAt`; `cancel` stops early (the promise then never resolves). Given the server's
 * pid, the sample also splits its CPU time (main thread; kernel).
 */
export function sampleWindow(
  serverCpuMs: CpuSource,
  startAt: number,
  endAt: number,
  serverPid?: number,
): { done: Promise<WindowSample>; cancel(): void } {
  const lag = monitorEventLoopDelay({ resolution: 5 })
  type Source = 'server' | 'serverMain' | 'serverKernel'
  let cpu: CpuWindow<Source> | undefined
  let t1: NodeJS.Timeout | undefined
  let t2: NodeJS.Timeout | undefined
  const none = () => null
  const done = new Promise<WindowSample>((resolve) => {
    t1 = setTimeout(
      () => {
        const pid = serverPid
        cpu = new CpuWindow<Source>(
          {
            server: serverCpuMs,
            serverMain: pid === undefined ? none : () => mainThreadCpuMs(pid),
            serverKernel: pid === undefined ? none : () => processKernelCpuMs(pid),
          },
          ['serverMain', 'serverKernel'],
        )
        lag.enable()
      },
      Math.max(0, startAt - performance.now()),
    )
    t2 = setTimeout(
      () => {
        lag.disable()
        const r = cpu?.stop()
        resolve({
          cpu: r ? { serverPct: r.pct.server, driverPct: r.driverPct, otherPct: r.otherPct } : NO_SAMPLE.cpu,
          ...(serverPid === undefined
            ? {}
            : {
                serverParts: {
                  mainThreadPct: r?.pct.serverMain ?? null,
                  kernelPct: r?.pct.serverKernel ?? null,
                },
              }),
          loopDelayP99: lag.count > 0 ? lag.percentile(99) / 1e6 : Number.NaN,
        })
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
