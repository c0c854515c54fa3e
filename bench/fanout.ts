/**
 * Fan-out latency: N stock y-websocket clients in one room, S of them each editing a shape at a fixed
 * rate; every other client timestamps each change it observes. Easel and the stock
 * `@y/websocket-server` are measured in the same run, each as a fresh child process per measurement.
 */
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { sleep } from '@easel/testkit/waitFor.ts'
import type { WorkerReply, WorkerRequest } from './fanout-worker.ts'
import { BUSY_OTHER_PCT, SETTLE_WAIT_MS, sampleWindow, settleMachine } from './measure.ts'
import {
  type Benchmark,
  type BenchOptions,
  type Cell,
  type Chart,
  fixed,
  percentile,
  progress,
  type Table,
} from './report.ts'
import { EASEL_BUILD, type RunningServer, type ServerKind, serverVersions, startServer } from './servers.ts'

type Scenario = {
  clients: number
  writers: number
  /** Updates per second per writer. */
  rate: number
  durationMs: number
  /** Plotted in the chart of latency against clients per room (one scenario per client count). */
  sweep?: boolean
  /** Easel's `--flush-interval-ms` (default 0: every frame goes out at the end of its turn). */
  flushIntervalMs?: number
  /** Paired rounds (default 2). */
  rounds?: number
}

/** Easel's flush intervals measured against the stock server, one round each, on {@link COALESCED}. */
const COALESCING_MS = [2, 4, 8, 16]
const COALESCED: Scenario = { clients: 200, writers: 10, rate: 20, durationMs: 10_000, rounds: 1 }

/**
 * The issue's scenarios: N clients with 10 writers × 20 updates/s at N = 100 and 200; at N = 500
 * the writers slow to 4/s (~20 000 deliveries/s), what the two driver threads absorb without
 * measuring their own queue.
 */
const FULL: Scenario[] = [
  { clients: 20, writers: 5, rate: 10, durationMs: 10_000, sweep: true },
  { clients: 100, writers: 10, rate: 20, durationMs: 10_000, sweep: true },
  { clients: 200, writers: 10, rate: 20, durationMs: 10_000, sweep: true },
  { clients: 500, writers: 10, rate: 4, durationMs: 10_000, sweep: true },
  { clients: 100, writers: 100, rate: 2, durationMs: 10_000 },
  // What coalescing buys and costs: Easel's socket writes held to one per interval, at N=200.
  ...COALESCING_MS.map((ms) => ({ ...COALESCED, flushIntervalMs: ms })),
]
/** A smoke run, and the 100-client room whose server profile (`--cpu-prof`) shows the hot path. */
const QUICK: Scenario[] = [
  { clients: 10, writers: 2, rate: 10, durationMs: 3_000, sweep: true },
  { clients: 100, writers: 10, rate: 20, durationMs: 3_000, sweep: true },
  { clients: 10, writers: 2, rate: 10, durationMs: 3_000, flushIntervalMs: 8 },
]

/**
 * Writes before the measured window, not counted. A full run's window lies between the stock
 * clients' first and second awareness renewals: y-protocols renews a state 15–18 s after it was
 * last set (outdated after 30 s, checked every 3 s), and the clients connect within about a second,
 * so they renew in waves (one delivery per client per renewing client), at 15–19 s and from 30 s on. After 18 s of warm-up the
 * 10 s window ends before the second wave: it measures the updates' fan-out, not a wave (with 20 s
 * the second wave reached into the window, and p99 at N=200 ranged 63–469 ms over four
 * measurements). The first wave also runs, and has V8 compile, code the updates alone do not:
 * measured per thread from /proc at N=100, Easel's V8 helper threads used 3.3% of a core in a window
 * after 11 s of warm-up, 0.4% after 20 s (the stock server's: 0.7% and 0.2%). A smoke run only needs
 * the path to work.
 */
const WARMUP_MS = { full: 18_000, quick: 1_000 }
/** How the report describes the warm-up. */
const WINDOW_PLACEMENT = {
  full:
    "not counted: both servers' JIT settles, and the stock clients' first awareness renewal, a wave " +
    '15–19 s after they connect, falls in it; the window ends before their second, from 30 s on',
  quick: 'not counted; a smoke run',
}
/** The first write is due this long after the clients joined, so every thread has the request first. */
const START_LEAD_MS = 50
/** From the first client's connect: when the second wave of awareness renewals can begin. */
const SECOND_RENEWAL_MS = 30_000
const warmupMs = (options: BenchOptions) => (options.quick ? WARMUP_MS.quick : WARMUP_MS.full)
/**
 * After the last send, wait for outstanding deliveries until none arrived for DRAIN_STALL_MS (or
 * DRAIN_MAX_MS in all); what is missing then counts as lost.
 */
const DRAIN_STALL_MS = 3_000
const DRAIN_MAX_MS = 30_000
/** Measurements per row: one disturbed by background load (BUSY_OTHER_PCT) is repeated. */
const MAX_ATTEMPTS = 3
const SYNC_TIMEOUT_MS = 30_000
/** Pause between measurements so the previous server's teardown does not overlap the next one. */
const SETTLE_MS = 500
const CLOSE_TIMEOUT_MS = 10_000
/**
 * Client threads in the driver process (clients are dealt round-robin). One event loop cannot
 * absorb ~20k deliveries/s of N=100, S=100 on this class of machine; `FANOUT_DRIVER_THREADS`
 * overrides.
 */
const DRIVER_THREADS = Number(process.env.FANOUT_DRIVER_THREADS) || 2

/** One measurement; the run adds which scenario it belongs to. */
type Measured = Omit<RunResult, 'scenario'>

type RunResult = {
  server: ServerKind
  /** Index of its scenario in the run's list. */
  scenario: number
  round: number
  clients: number
  writers: number
  rate: number
  durationMs: number
  driverThreads: number
  /** Updates sent inside the measurement window. */
  sent: number
  /** Writer ticks skipped because a driver thread fell behind by more than one period. */
  skippedTicks: number
  expected: number
  received: number
  lost: number
  p50: number
  p95: number
  p99: number
  max: number
  mean: number
  deliveriesPerSec: number
  /** From the first client created until all N report `synced`. */
  syncMs: number
  /** Server and driver (whole process, all threads) CPU use during the window, in % of one core. */
  serverCpuPct: number | null
  /** Server CPU time in the window per 1 000 deliveries received, ms. */
  serverCpuPerKDelivery: number | null
  /** Of `serverCpuPct`: its main thread (the rest: V8's helper threads, Easel's storage thread). */
  serverMainPct: number | null
  /** Of `serverCpuPct`: time in the kernel (system calls: socket writes, for Easel also SQLite's file writes and locks). */
  serverKernelPct: number | null
  driverCpuPct: number | null
  /** Everything else on the machine (other processes, kernel threads) during the window. */
  otherCpuPct: number | null
  /** The same, in the second before the server was started (see `settleMachine`). */
  otherCpuBeforePct: number | null
  /** Socket closes seen by clients between sync and teardown (should be 0). */
  disconnects: number
  /** Measurements made for this row; earlier ones were discarded for background load. */
  attempts: number
}

const now = () => performance.timeOrigin + performance.now()

/** Worker entry: tsx's hooks are per thread on Node 20, so the worker registers them itself. */
const WORKER_BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => tsx.register())
  .then(() => import(${JSON.stringify(new URL('./fanout-worker.ts', import.meta.url).href)}))`

/** A driver thread, spoken to one request at a time. */
class DriverThread {
  private readonly worker = new Worker(WORKER_BOOT, { eval: true })
  private pending: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | null = null
  private failure: Error | null = null
  private readonly exited: Promise<void>

  constructor() {
    this.worker.on('message', (reply: WorkerReply) => {
      const pending = this.pending
      this.pending = null
      if (reply.t === 'error') pending?.reject(new Error(`driver thread: ${reply.message}`))
      else pending?.resolve(reply)
    })
    this.worker.on('error', (err) => this.fail(err))
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.fail(new Error(`driver thread exited (${code})`))
        resolve()
      })
    })
  }

  private fail(err: Error): void {
    this.failure ??= err
    this.pending?.reject(err)
    this.pending = null
  }

  call<T extends WorkerReply['t']>(req: WorkerRequest, expect: T): Promise<Extract<WorkerReply, { t: T }>> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      this.pending = {
        resolve: (reply) =>
          reply.t === expect
            ? resolve(reply as Extract<WorkerReply, { t: T }>)
            : reject(new Error(`driver thread answered ${reply.t} to ${req.t}`)),
        reject,
      }
      this.worker.postMessage(req)
    })
  }

  /** Destroys the clients and waits for the thread to end (it ends by itself once idle). */
  async close(): Promise<void> {
    const timer = setTimeout(() => void this.worker.terminate(), CLOSE_TIMEOUT_MS)
    try {
      if (!this.failure) await this.call({ t: 'close' }, 'closed').catch(() => {})
      await this.exited
    } finally {
      clearTimeout(timer)
    }
  }
}

async function measure(
  server: RunningServer,
  sc: Scenario,
  round: number,
  otherCpuBeforePct: number | null,
  warmupMs: number,
): Promise<Measured> {
  const room = `fanout-${sc.clients}-${sc.writers}-${round}`
  const threadCount = Math.min(DRIVER_THREADS, sc.clients)
  // Round-robin, so writers (the first S clients) are spread over the threads too.
  const shards = Array.from({ length: threadCount }, (_, k) =>
    Array.from({ length: sc.clients }, (_, i) => i).filter((i) => i % threadCount === k),
  )
  const threads = shards.map(() => new DriverThread())
  let window: ReturnType<typeof sampleWindow> | undefined
  try {
    const syncStart = performance.now()
    await Promise.all(
      threads.map((th, k) =>
        th.call(
          {
            t: 'connect',
            wsUrl: server.wsUrl,
            room,
            clients: shards[k]!,
            writers: sc.writers,
            rate: sc.rate,
            syncTimeoutMs: SYNC_TIMEOUT_MS,
          },
          'connected',
        ),
      ),
    )
    const syncMs = performance.now() - syncStart

    const start = now() + START_LEAD_MS
    const measureStart = start + warmupMs
    const measureEnd = measureStart + sc.durationMs
    window = sampleWindow(
      server.cpuMs,
      measureStart - performance.timeOrigin,
      measureEnd - performance.timeOrigin,
      server.pid,
    )
    const written = await Promise.all(
      threads.map((th) => th.call({ t: 'write', start, measureStart, measureEnd }, 'written')),
    )
    const { cpu, serverParts } = await window.done

    const sent = written.reduce((sum, w) => sum + w.sent, 0)
    // A thread's clients see every update except the ones they sent themselves.
    const drained = await Promise.all(
      threads.map((th, k) =>
        th.call(
          {
            t: 'drain',
            expected: sent * shards[k]!.length - written[k]!.sent,
            stallMs: DRAIN_STALL_MS,
            maxMs: DRAIN_MAX_MS,
          },
          'drained',
        ),
      ),
    )
    const sorted = new Float64Array(drained.reduce((n, d) => n + d.latencies.length, 0))
    let offset = 0
    for (const d of drained) {
      sorted.set(d.latencies, offset)
      offset += d.latencies.length
    }
    sorted.sort()

    const expected = sent * (sc.clients - 1)
    const received = sorted.length
    return {
      server: server.kind,
      round,
      clients: sc.clients,
      writers: sc.writers,
      rate: sc.rate,
      durationMs: sc.durationMs,
      driverThreads: threadCount,
      sent,
      skippedTicks: written.reduce((sum, w) => sum + w.skippedTicks, 0),
      expected,
      received,
      lost: expected - received,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: received > 0 ? sorted[received - 1]! : Number.NaN,
      mean: received > 0 ? sorted.reduce((a, b) => a + b, 0) / received : Number.NaN,
      deliveriesPerSec: received / (sc.durationMs / 1000),
      syncMs,
      serverCpuPct: cpu.serverPct,
      serverCpuPerKDelivery:
        cpu.serverPct === null || received === 0
          ? null
          : (((cpu.serverPct / 100) * sc.durationMs) / received) * 1000,
      serverMainPct: serverParts?.mainThreadPct ?? null,
      serverKernelPct: serverParts?.kernelPct ?? null,
      driverCpuPct: cpu.driverPct,
      otherCpuPct: cpu.otherPct,
      disconnects: drained.reduce((sum, d) => sum + d.disconnects, 0),
      otherCpuBeforePct,
      attempts: 1,
    }
  } finally {
    window?.cancel()
    await Promise.all(threads.map((th) => th.close()))
  }
}

const COLUMNS = [
  'server',
  'round',
  'clients',
  'writers',
  'updates sent',
  'deliveries',
  'lost',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'max ms',
  'deliveries/s',
  'server CPU %',
  'server CPU ms / 1 000 deliveries',
  'of which main thread %',
  'of which kernel %',
  'driver CPU %',
  'other CPU %',
]

function row(r: RunResult): Cell[] {
  return [
    r.server,
    r.round,
    r.clients,
    r.writers,
    r.sent,
    r.received,
    r.lost,
    fixed(r.p50, 2),
    fixed(r.p95, 2),
    fixed(r.p99, 2),
    fixed(r.max, 2),
    Math.round(r.deliveriesPerSec),
    fixed(r.serverCpuPct, 1),
    fixed(r.serverCpuPerKDelivery, 2),
    fixed(r.serverMainPct, 1),
    fixed(r.serverKernelPct, 1),
    fixed(r.driverCpuPct, 0),
    fixed(r.otherCpuPct, 0),
  ]
}

/**
 * One measurement on a fresh server. A measurement during which other processes loaded the machine
 * is repeated (a new server each time), up to MAX_ATTEMPTS; the last attempt is kept regardless.
 */
async function measureWithRetries(
  kind: ServerKind,
  sc: Scenario,
  round: number,
  tag: string,
  options: BenchOptions,
): Promise<Measured> {
  const label = `${scenarioLabel(sc)}, round ${round}, ${kind}`
  const attempts = options.quick ? 1 : MAX_ATTEMPTS
  for (let attempt = 1; ; attempt++) {
    const before = await settleMachine(options.quick)
    const server = await startServer(
      kind,
      { cpuProfileDir: options.cpuProfileDir, tag: `${tag}-a${attempt}` },
      { flushIntervalMs: sc.flushIntervalMs },
    )
    let r: Measured
    try {
      progress(`fanout ${label}, attempt ${attempt} (pid ${server.pid}) …`)
      r = await measure(server, sc, round, before, warmupMs(options))
    } finally {
      await server.stop()
    }
    await sleep(SETTLE_MS)
    r.attempts = attempt
    progress(
      `  sent ${r.sent}, delivered ${r.received}/${r.expected}, p50 ${fixed(r.p50, 2)} ms, ` +
        `p99 ${fixed(r.p99, 2)} ms, CPU % server ${fixed(r.serverCpuPct, 1)} (main thread ${fixed(r.serverMainPct, 1)}, kernel ${fixed(r.serverKernelPct, 1)}), driver ${fixed(r.driverCpuPct, 0)}, ` +
        `other ${fixed(r.otherCpuPct, 0)}`,
    )
    if ((r.otherCpuPct ?? 0) <= BUSY_OTHER_PCT || attempt >= attempts) return r
    progress('  the machine was busy during the window; measuring again')
  }
}

async function run(options: BenchOptions) {
  const scenarios = options.quick ? QUICK : FULL
  const results: RunResult[] = []
  let pairs = 0
  for (const [i, sc] of scenarios.entries()) {
    const rounds = options.quick ? 1 : (sc.rounds ?? 2)
    for (let round = 1; round <= rounds; round++) {
      // ABBA order: neither server always goes first (or always runs on a warmer machine).
      const order: ServerKind[] = pairs++ % 2 === 0 ? ['reference', 'easel'] : ['easel', 'reference']
      for (const kind of order) {
        const tag = `fanout-${i + 1}-n${sc.clients}-s${sc.writers}-r${round}`
        results.push({ scenario: i, ...(await measureWithRetries(kind, sc, round, tag, options)) })
      }
    }
  }

  const versions = serverVersions()
  const of = (sc: Scenario) => results.filter((r) => r.scenario === scenarios.indexOf(sc))
  const which = (r: RunResult) => `${r.server} ${scenarioLabel(scenarios[r.scenario]!)} round ${r.round}`
  const tables = scenarios.map((sc) => ({
    title: scenarioTitle(sc),
    columns: COLUMNS,
    rows: of(sc).map(row),
  }))
  tables.unshift(ratioTable(scenarios, of))
  const notes: string[] = []
  const skipped = results.filter((r) => r.skippedTicks > 0)
  if (skipped.length > 0) {
    notes.push(
      `A driver thread fell behind its send schedule and skipped ticks in: ${skipped
        .map((r) => `${which(r)} (${r.skippedTicks})`)
        .join(', ')}.`,
    )
  }
  const busy = results.filter((r) => (r.otherCpuPct ?? 0) > BUSY_OTHER_PCT)
  if (busy.length > 0) {
    notes.push(
      `Other processes used more than ${BUSY_OTHER_PCT}% of a core during: ${busy
        .map((r) => `${which(r)} (${fixed(r.otherCpuPct, 0)}%)`)
        .join(', ')}; treat those rows with suspicion.`,
    )
  }
  const late = results.filter(
    (r) => r.syncMs + START_LEAD_MS + warmupMs(options) + r.durationMs > SECOND_RENEWAL_MS,
  )
  if (!options.quick && late.length > 0) {
    notes.push(
      `The window reached past ${SECOND_RENEWAL_MS / 1000} s after the first connect, where the clients' second awareness ` +
        `renewal can begin, in: ${late.map((r) => `${which(r)} (connects took ${fixed(r.syncMs, 0)} ms)`).join(', ')}.`,
    )
  }
  const dropped = results.filter((r) => r.disconnects > 0)
  if (dropped.length > 0) {
    notes.push(
      `Client sockets closed during: ${dropped.map((r) => `${which(r)} (${r.disconnects})`).join(', ')}.`,
    )
  }
  return {
    title: 'Fan-out latency: Easel vs. the stock y-websocket server',
    description: [
      '- Both servers run on this machine, in the same run, one at a time. The client driver is a single ' +
        'Node process on the same machine: its own processing time is part of every measured latency, ' +
        'equally for both servers, and it competes with the server for the same cores.',
      `- **Servers.** Easel (${EASEL_BUILD}, SQLite in a fresh temp dir, ` +
        `\`--rate-limit-per-sec 100000 --rate-limit-burst 100000\`, log level warn; ` +
        `${fmtVersions(versions.easel)}) and the reference \`@y/websocket-server\` ` +
        `(its own \`src/server.js\`, in memory, no YPERSISTENCE; ${fmtVersions(versions.reference)}). ` +
        'Each measurement starts a fresh server process on 127.0.0.1 and stops it afterwards.',
      '- **Clients.** N clients in one room. The first S are writers, stock `y-websocket` `WebsocketProvider`s ' +
        '(`ws` as WebSocket, `disableBc: true`, default awareness): each edits a shape of its own (its `rotation` ' +
        'carries the send time, `points` the sequence number and whether the update counts) on a fixed ' +
        'schedule, writers phase-shifted evenly over one period (a writer more than one period late skips ' +
        'ticks rather than bursting). The others are receivers: bare `ws` sockets speaking the sync protocol ' +
        '(a sync step 1 of an empty state vector on open; the step 2 answer ends the join) with no document ' +
        'of their own. The server sends each of them the same bytes for an update, so a driver thread ' +
        'integrates each update once, into one replica, when its first receiver gets it, and times every ' +
        "receiver's copy on arrival: `now − t` (`performance.timeOrigin + performance.now()`, consistent " +
        'across threads of one process to a few µs). Writers also time the other writers’ updates. With a ' +
        'Y.Doc per receiver (the earlier driver) 200 clients took 1.5–1.7 of the 2 cores and fell behind ' +
        'their own schedule, so the latencies were the driver’s. Writers start after every client has joined.',
      `- **Driver.** One Node process with ${DRIVER_THREADS} worker threads, clients dealt round-robin ` +
        '(one event loop saturates at N=100, S=100: ~20k deliveries/s of y-websocket message handling ' +
        'and `Y.applyUpdate`, and then measures its own queue instead of the server). ' +
        '`FANOUT_DRIVER_THREADS` changes the count.',
      `- **Window.** ${warmupMs(options) / 1000} s of warm-up writes (${WINDOW_PLACEMENT[options.quick ? 'quick' : 'full']}), ` +
        'then the measured window, then ' +
        `a drain until every delivery arrived or none arrived for ${DRAIN_STALL_MS / 1000} s ` +
        `(at most ${DRAIN_MAX_MS / 1000} s). Expected deliveries = updates sent in the window × (N − 1); ` +
        'lost = expected − received after the drain. deliveries/s = received ÷ window length. ' +
        'Latency percentiles are nearest-rank over every delivery. CPU % is CPU time (user + system, all ' +
        'threads) during the window in % of one core, from /proc: the server process, the driver process, ' +
        'and everything else on the machine (“other”: this machine may be shared, so check it). The ' +
        "server's figure is split two ways: its main thread (the rest is V8's compiler and GC helper " +
        "threads, and Easel's storage thread), and its time in the kernel (system calls: a write per " +
        "socket for both servers, and Easel's SQLite file writes and locks). Before " +
        `each measurement the runner waits up to ${SETTLE_WAIT_MS / 1000} s for “other” to drop to ` +
        `${BUSY_OTHER_PCT}% of a core, and a measurement during which it exceeded ${BUSY_OTHER_PCT}% is ` +
        `repeated on a fresh server (at most ${MAX_ATTEMPTS} attempts; the last one is kept).`,
      "- **Ratios.** The first table divides Easel's figure by the reference's from the same round " +
        "(below 1: Easel is faster or cheaper). CPU per delivery is the server's CPU time in the window " +
        'divided by the deliveries received. The chart plots, per server, the mean over the rounds of ' +
        'each percentile.',
      `- **Fairness.** Pairs run in ABBA order (round 1: reference then Easel; round 2: Easel then reference; ` +
        'the order goes on alternating over the single-round scenarios) and every round is reported as measured, not aggregated.',
      `- **Coalescing.** The scenarios "Easel writing each socket at most every T ms" repeat ${scenarioLabel(COALESCED)} ` +
        `with Easel's \`--flush-interval-ms\` at ${COALESCING_MS.join(', ')} ms, one round each, against a stock server of the ` +
        "same round. Easel's default is 0: a frame goes out at the end of the event-loop turn it was made in, so a " +
        'socket gets one write per update unless updates arrive in the same turn. With an interval, frames queued ' +
        "within it share one write (CPU per delivery falls) and wait for it (latency rises): a delivery's CPU is " +
        'mostly that write, for both servers (the kernel column).',
    ],
    tables,
    notes,
    charts: [
      latencyChart(
        scenarios.filter((sc) => sc.sweep),
        of,
      ),
    ],
    data: {
      scenarios,
      warmupMs: warmupMs(options),
      drainStallMs: DRAIN_STALL_MS,
      drainMaxMs: DRAIN_MAX_MS,
      quietPct: BUSY_OTHER_PCT,
      driverThreads: DRIVER_THREADS,
      versions,
      results,
    },
  }
}

const coalescing = (sc: Scenario) =>
  sc.flushIntervalMs ? `, Easel writing each socket at most every ${sc.flushIntervalMs} ms` : ''

const scenarioTitle = (sc: Scenario) =>
  `N=${sc.clients} clients, S=${sc.writers} writers × ${sc.rate} updates/s, ${sc.durationMs / 1000} s${coalescing(sc)}`

const scenarioLabel = (sc: Scenario) =>
  `N=${sc.clients} S=${sc.writers} @${sc.rate}/s${sc.flushIntervalMs ? ` flush ${sc.flushIntervalMs} ms` : ''}`

const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || !(b > 0) ? Number.NaN : a / b

/** Easel ÷ reference per scenario and round: p50, p99 and server CPU per delivery. */
function ratioTable(scenarios: Scenario[], of: (sc: Scenario) => RunResult[]): Table {
  const rows: Cell[][] = []
  for (const sc of scenarios) {
    const rs = of(sc)
    for (const round of new Set(rs.map((r) => r.round))) {
      const easel = rs.find((r) => r.round === round && r.server === 'easel')
      const ref = rs.find((r) => r.round === round && r.server === 'reference')
      if (!easel || !ref) continue
      rows.push([
        scenarioLabel(sc),
        round,
        fixed(ratio(easel.p50, ref.p50), 2),
        fixed(ratio(easel.p99, ref.p99), 2),
        fixed(ratio(easel.serverCpuPerKDelivery, ref.serverCpuPerKDelivery), 2),
        `${easel.lost} / ${ref.lost}`,
      ])
    }
  }
  return {
    title: 'Easel ÷ reference, same round',
    columns: ['scenario', 'round', 'p50', 'p99', 'server CPU per delivery', 'lost (Easel / reference)'],
    rows,
  }
}

/** p50 and p99 against clients per room, per server, each the mean over the rounds. */
function latencyChart(scenarios: Scenario[], of: (sc: Scenario) => RunResult[]): Chart {
  const series: Chart['series'] = []
  for (const kind of ['easel', 'reference'] as const) {
    for (const p of ['p50', 'p99'] as const) {
      const points: [number, number][] = []
      for (const sc of scenarios) {
        const values = of(sc)
          .filter((r) => r.server === kind && Number.isFinite(r[p]))
          .map((r) => r[p])
        if (values.length > 0) points.push([sc.clients, values.reduce((a, b) => a + b, 0) / values.length])
      }
      series.push({ label: `${kind === 'easel' ? 'Easel' : 'reference'} ${p}`, points })
    }
  }
  return {
    name: 'latency-vs-clients',
    title: 'Fan-out latency percentiles against clients per room',
    xLabel: 'clients per room',
    yLabel: 'ms',
    logX: true,
    series,
  }
}

function fmtVersions(v: Record<string, string>): string {
  return Object.entries(v)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')
}

export const fanout: Benchmark = { name: 'fanout', run }
