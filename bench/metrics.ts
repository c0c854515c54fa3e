/**
 * What the observability layer costs: the same load on the Easel server with metrics on (counters,
 * histograms, the dashboard sampler, and `/metrics` scraped every second) and off (`METRICS=false`:
 * every instrument a no-op). Rounds alternate which goes first.
 *
 * (a) Fan-out: one writer sends a small Yjs update at a fixed rate into a room of R receivers
 *     (raw sockets that only timestamp frames); measured send → arrival at every receiver.
 * (b) Commit round trip: W writers each commit `locked` of their own shape (no conflicts) at a
 *     fixed rate, through the authority and SQLite; measured commit → commitResult.
 */
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { MessageType, shapesMap } from '@easel/shared'
import { connectMany, ProtocolClient } from '@easel/testkit/protocolClient.ts'
import { sleep, waitFor } from '@easel/testkit/waitFor.ts'
import { ms, type Summary, settleMachine, summarize } from './measure.ts'
import { type Benchmark, type BenchOptions, type BenchResult, type Cell, progress } from './report.ts'
import { type EaselUnderTest, LOAD_CLIENT, OBSERVER, serverVersions, startEasel } from './servers.ts'

type Config = { rounds: number; receivers: number; writers: number; warmupMs: number; windowMs: number }
const FULL: Config = { rounds: 3, receivers: 100, writers: 20, warmupMs: 1_000, windowMs: 8_000 }
const QUICK: Config = { rounds: 1, receivers: 30, writers: 10, warmupMs: 300, windowMs: 2_000 }
/** Updates per second of the fan-out writer, commits per second of each commit writer. */
const FANOUT_RATE = 20
const COMMIT_RATE = 20
const SCRAPE_EVERY_MS = 1_000

type Variant = 'on' | 'off'
type Measured = {
  variant: Variant
  fanout: Summary
  commits: Summary
  serverCpuMs: number | null
  cells: Cell[]
}

/** A raw socket in `room` that records when each Yjs update frame arrives (nothing is decoded). */
async function receiver(wsUrl: string, room: string) {
  const ws = new WebSocket(`${wsUrl}/${room}`, { perMessageDeflate: false })
  const arrivals: number[] = []
  const joined = new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve())
    ws.once('error', reject)
  })
  ws.on('message', (data: Buffer) => {
    // Sync (0), update (2): what the writer's change becomes for everyone else.
    if (data[0] === MessageType.Sync && data[1] === 2) arrivals.push(performance.now())
  })
  await joined
  return { ws, arrivals }
}

/** Fan-out: one timed update per tick, `FANOUT_RATE` a second, over the warmup and the window. */
async function fanout(server: EaselUnderTest, config: Config): Promise<{ latencies: number[] }> {
  const room = `fanout-${performance.now().toFixed(0)}`
  const writer = await ProtocolClient.connect(server.wsUrl, room, OBSERVER)
  const receivers = await Promise.all(
    Array.from({ length: config.receivers }, () => receiver(server.wsUrl, room)),
  )
  const sent: number[] = []
  const ticks = Math.round(((config.warmupMs + config.windowMs) / 1000) * FANOUT_RATE)
  const warmupTicks = Math.round((config.warmupMs / 1000) * FANOUT_RATE)
  writer.addShape('moved')
  await waitFor(() => receivers.every((r) => r.arrivals.length === 1), 'the shape delivered', 30_000)
  for (const r of receivers) r.arrivals.length = 0
  const shape = shapesMap(writer.doc).get('moved')!
  const start = performance.now()
  for (let i = 0; i < ticks; i++) {
    const due = start + (i * 1000) / FANOUT_RATE
    const wait = due - performance.now()
    if (wait > 0) await sleep(wait)
    sent.push(performance.now())
    shape.set('x', i)
  }
  await waitFor(() => receivers.every((r) => r.arrivals.length >= ticks), 'every update delivered', 30_000)
  const latencies: number[] = []
  for (const r of receivers)
    for (let i = warmupTicks; i < ticks; i++) latencies.push(r.arrivals[i]! - sent[i]!)
  for (const r of receivers) r.ws.terminate()
  await writer.close()
  return { latencies }
}

/** Commits: each writer flips `locked` of its own shape, `COMMIT_RATE` a second. */
async function commits(server: EaselUnderTest, config: Config): Promise<{ latencies: number[] }> {
  const room = `commits-${performance.now().toFixed(0)}`
  const writers = await connectMany(server.wsUrl, room, config.writers, () => LOAD_CLIENT)
  const observer = await ProtocolClient.connect(server.wsUrl, room, OBSERVER)
  for (const [i, w] of writers.entries()) w.addShape(`s${i}`)
  await waitFor(() => shapesMap(observer.doc).size === config.writers, 'shapes created', 30_000)
  const latencies: number[] = []
  const end = performance.now() + config.warmupMs + config.windowMs
  const measureFrom = performance.now() + config.warmupMs
  await Promise.all(
    writers.map(async (w, i) => {
      let version = 0
      for (let k = 0; performance.now() < end; k++) {
        const due = performance.now() + 1000 / COMMIT_RATE
        const t0 = performance.now()
        const r = await w.commit({
          ops: [{ shapeId: `s${i}`, field: 'locked', baseVersion: version, value: k % 2 === 0 }],
        })
        if (r.status !== 'ok') throw new Error(`commit: ${JSON.stringify(r)}`)
        version = r.versions[0]!
        if (t0 >= measureFrom) latencies.push(performance.now() - t0)
        const wait = due - performance.now()
        if (wait > 0) await sleep(wait)
      }
    }),
  )
  await Promise.all([...writers, observer].map((c) => c.close()))
  return { latencies }
}

async function measure(variant: Variant, config: Config, options: BenchOptions): Promise<Measured> {
  const server = await startEasel(
    { metrics: variant === 'on' },
    { cpuProfileDir: options.cpuProfileDir, tag: variant },
  )
  let scraping = variant === 'on'
  const scraper = (async () => {
    while (scraping) {
      const res = await fetch(`${server.httpUrl}/metrics`, {
        headers: { authorization: `Bearer ${server.adminToken}` },
      })
      if (!res.ok) throw new Error(`GET /metrics: ${res.status}`)
      await res.text()
      await sleep(SCRAPE_EVERY_MS)
    }
  })()
  try {
    await settleMachine(options.quick)
    const f = await fanout(server, config)
    const c = await commits(server, config)
    const fanoutSummary = summarize(f.latencies)
    const commitSummary = summarize(c.latencies)
    const cpuMs = server.cpuMs()
    return {
      variant,
      fanout: fanoutSummary,
      commits: commitSummary,
      serverCpuMs: cpuMs,
      cells: [
        variant,
        ms(fanoutSummary.p50),
        ms(fanoutSummary.p99),
        fanoutSummary.n,
        ms(commitSummary.p50),
        ms(commitSummary.p99),
        commitSummary.n,
        cpuMs === null ? '—' : Math.round(cpuMs),
      ],
    }
  } finally {
    scraping = false
    await scraper.catch((err) => progress(`scraper: ${(err as Error).message}`))
    await server.stop()
  }
}

export const metrics: Benchmark = {
  name: 'metrics',
  async run(options: BenchOptions): Promise<BenchResult> {
    const config = options.quick ? QUICK : FULL
    const runs: Measured[] = []
    for (let round = 0; round < config.rounds; round++) {
      const order: Variant[] = round % 2 === 0 ? ['on', 'off'] : ['off', 'on']
      for (const variant of order) {
        progress(`metrics: round ${round + 1}/${config.rounds}, metrics ${variant}`)
        runs.push(await measure(variant, config, options))
      }
    }
    const pooled = (v: Variant, pick: (m: Measured) => Summary) =>
      runs.filter((r) => r.variant === v).map(pick)
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    const summaryRow = (v: Variant): Cell[] => [
      `metrics ${v} (median of rounds)`,
      ms(median(pooled(v, (m) => m.fanout).map((s) => s.p50))),
      ms(median(pooled(v, (m) => m.fanout).map((s) => s.p99))),
      ms(median(pooled(v, (m) => m.commits).map((s) => s.p50))),
      ms(median(pooled(v, (m) => m.commits).map((s) => s.p99))),
    ]
    return {
      title: 'Metrics overhead: fan-out and commit latency with metrics on and off',
      description: [
        `Easel server as a child process, SQLite; metrics on = counters, histograms, the dashboard sampler and \`/metrics\` scraped every ${SCRAPE_EVERY_MS / 1000} s; off = \`METRICS=false\`.`,
        `(a) fan-out: 1 writer, ${FANOUT_RATE} updates/s into a room of ${config.receivers} raw receivers; send → arrival, every delivery.`,
        `(b) commits: ${config.writers} writers × ${COMMIT_RATE} commits/s, each on its own shape (no conflicts); commit → commitResult.`,
        `${config.rounds} round(s) per variant, alternating which goes first; ${config.warmupMs} ms warmup, ${config.windowMs} ms window per part.`,
      ],
      tables: [
        {
          title: 'Summary (ms)',
          columns: ['variant', 'fan-out p50', 'fan-out p99', 'commit p50', 'commit p99'],
          rows: [summaryRow('on'), summaryRow('off')],
        },
        {
          title: 'Every run (ms)',
          columns: [
            'metrics',
            'fan-out p50',
            'fan-out p99',
            'deliveries',
            'commit p50',
            'commit p99',
            'commits',
            'server CPU ms (whole run)',
          ],
          rows: runs.map((r) => r.cells),
        },
      ],
      notes: [
        'Both variants run the same load on a fresh server; the machine is shared, so compare the medians and read single runs with care.',
        'Server CPU ms is the process total over the run, startup included.',
      ],
      data: { config, runs: runs.map(({ cells: _c, ...r }) => r), versions: serverVersions() },
    }
  },
}
