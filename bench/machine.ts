/** CPU accounting from /proc (Linux), to attribute a run's CPU and to notice a busy machine. */
import fs from 'node:fs'
import { sleep } from './report.ts'

/** Linux USER_HZ is 100 on every mainstream configuration. */
const CLOCK_TICKS_PER_SEC = 100

/** User + system CPU time of a process (all threads) in ms; null where /proc is unavailable. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SEC : null
  } catch {
    return null
  }
}

/** Busy CPU time of the whole machine (all cores, everything but idle and iowait) in ms; null without /proc. */
export function machineCpuMs(): number | null {
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

/**
 * Waits until the rest of the machine (everything but this process) uses at most `maxPct` % of one
 * core over a one-second sample, or `timeoutMs` passed. Returns the last sample's load (% of one
 * core), null without /proc.
 */
export async function waitForQuietMachine(maxPct: number, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const machine0 = machineCpuMs()
    const self0 = processCpuMs(process.pid)
    const t0 = performance.now()
    await sleep(1000)
    const machine1 = machineCpuMs()
    const self1 = processCpuMs(process.pid)
    if (machine0 === null || machine1 === null || self0 === null || self1 === null) return null
    const otherPct = Math.max(0, ((machine1 - machine0 - (self1 - self0)) / (performance.now() - t0)) * 100)
    if (otherPct <= maxPct || Date.now() >= deadline) return otherPct
  }
}
