/**
 * Versioned commits (tier 2) on the wire, against the real Easel server as a child process.
 *
 * (a) Round trip at a fixed offered rate: W clients, each committing `deleted` of its own shape
 *     (no conflicts, no lease needed) on a fixed schedule. Measured: commit → commitResult at the
 *     sender, and commit → the projected value seen by another client. In the same run, on the same
 *     server and sockets, the same clients write a plain Yjs update (a key of a Y.Map) at the same
 *     rate: send → seen by another client. The difference is what the versioned tier costs.
 * (b) Hot key: C clients all committing `binding` of one arrow, each retrying conflicts from the
 *     version named in the answer; once with exponential backoff and full jitter (the client's
 *     `backoffDelay`), once retrying immediately.
 */
import { performance } from 'node:perf_hooks'
import { backoffDelay } from '@easel/client/sync/backoff.ts'
import {
  type CommitResult,
  type CrdtProps,
  insertShape,
  type ServerMessage,
  shapesMap,
  versionedMap,
} from '@easel/shared'
import { connectMany, ProtocolClient, RECT } from '@easel/testkit/protocolClient.ts'
import { sleep, waitFor } from '@easel/testkit/waitFor.ts'
import * as Y from 'yjs'
import {
  BUSY_OTHER_PCT,
  CPU_COLUMNS,
  cpuCells,
  ms,
  type Summary,
  sampleWindow,
  settleMachine,
  summarize,
  type WindowSample,
} from './measure.ts'
import { type Benchmark, type BenchOptions, type BenchResult, type Cell, fixed, progress } from './report.ts'
import {
  EASEL_BUILD,
  type EaselUnderTest,
  LOAD_CLIENT,
  OBSERVER,
  serverVersions,
  startEasel,
} from './servers.ts'

type Config = {
  /** Rounds of part (a); tiers alternate which goes first. */
  rounds: number
  warmupMs: number
  windowMs: number
  /** Rounds of part (b); strategies alternate which goes first. */
  hotRounds: number
  hotMs: number
}

const FULL: Config = { rounds: 2, warmupMs: 1_000, windowMs: 8_000, hotRounds: 2, hotMs: 8_000 }
const QUICK: Config = { rounds: 1, warmupMs: 300, windowMs: 1_500, hotRounds: 1, hotMs: 2_000 }

/** Part (a): W writers × R commits/s = the offered rate. */
const WRITERS = 20
const RATE_PER_WRITER = 50
/** Part (b). */
const HOT_CLIENTS = 50
/** Backoff for conflicts (the client's `backoffDelay` with these bounds). */
const BACKOFF = { baseMs: 5, capMs: 200 }
/** After a success a client waits uniformly in [0, THINK_MS) before deciding its next commit. */
const THINK_MS = 10
const ANSWER_TIMEOUT_MS = 10_000
/** After the last send, wait for answers until none came for DRAIN_STALL_MS (DRAIN_MAX_MS in all). */
const DRAIN_STALL_MS = 3_000
const DRAIN_MAX_MS = 20_000
const SETTLE_MS = 500

const ARROW: CrdtProps = { ...RECT, kind: 'arrow', points: [0, 0, 100, 100] }

type CommitResultMessage = Extract<ServerMessage, { t: 'commitResult' }>

// ---------------------------------------------------------------------------------------------
// (a) round trip at a fixed rate

type Tier = 'commit' | 'yjs'

type RttRow = {
  round: number
  what: 'commit → commitResult' | 'commit → seen by other' | 'Yjs update → seen by other'
  /** Sends per second inside the window. */
  offeredPerSec: number
  /** Answers (or deliveries) arriving inside the window, per second. */
  achievedPerSec: number
  latency: Summary
  /** Sends in the window with no answer / delivery after the drain. */
  lost: number
  /** Conflicts and errors (commits only; must be 0). */
  errors: number
  skippedTicks: number
  sample: WindowSample
  otherBeforePct: number | null
}

type Writer = { client: ProtocolClient; shapeId: string; version: number; deleted: boolean; seq: number }

type Schedule = { start: number; measureStart: number; end: number }

function schedule(cfg: Config): Schedule {
  const start = performance.now() + 50
  return { start, measureStart: start + cfg.warmupMs, end: start + cfg.warmupMs + cfg.windowMs }
}

/**
 * Calls `send` for every writer on a fixed schedule, writers phase-shifted evenly over one period.
 * A writer more than one period late skips the tick instead of bursting.
 */
async function paced(
  writers: number,
  rate: number,
  s: Schedule,
  send: (i: number, t: number, measured: boolean) => void,
): Promise<{ measured: number; skipped: number }> {
  const period = 1000 / rate
  let measured = 0
  let skipped = 0
  await Promise.all(
    Array.from({ length: writers }, async (_, i) => {
      for (let k = 0; ; k++) {
        const due = s.start + (i / writers + k) * period
        if (due >= s.end) return
        const wait = due - performance.now()
        if (wait > 0) await sleep(wait)
        const t = performance.now()
        if (t - due > period) {
          skipped++
          continue
        }
        const m = t >= s.measureStart
        if (m) measured++
        send(i, t, m)
      }
    }),
  )
  return { measured, skipped }
}

/** Waits until `remaining()` is 0, or it has not changed for DRAIN_STALL_MS, or DRAIN_MAX_MS passed. */
async function drain(remaining: () => number): Promise<void> {
  const t0 = performance.now()
  let last = remaining()
  let lastChange = t0
  while (remaining() > 0) {
    const now = performance.now()
    if (remaining() !== last) {
      last = remaining()
      lastChange = now
    }
    if (now - lastChange > DRAIN_STALL_MS || now - t0 > DRAIN_MAX_MS) return
    await sleep(10)
  }
}

async function commitPhase(
  server: EaselUnderTest,
  writers: Writer[],
  observer: ProtocolClient,
  cfg: Config,
  round: number,
  otherBeforePct: number | null,
): Promise<RttRow[]> {
  const pending = new Map<string, { t: number; measured: boolean }>()
  /** `${shape}:deleted@${version}` → send time, for commits sent in the window. */
  const projectionSent = new Map<string, number>()
  const rtts: number[] = []
  const seen: number[] = []
  let okInWindow = 0
  let seenInWindow = 0
  let errors = 0
  const s = schedule(cfg)
  const inWindow = (at: number) => at >= s.measureStart && at < s.end

  writers.forEach((w) => {
    w.client.onMessage = (m, at) => {
      if (m.t !== 'commitResult') return
      const p = pending.get(m.opId)
      if (!p) return
      pending.delete(m.opId)
      if (p.measured) rtts.push(at - p.t)
      const r = m.result
      if (r.status === 'ok') {
        if (inWindow(at)) okInWindow++
        return
      }
      errors++
      if (r.status === 'conflict') {
        // Should not happen (one writer per shape); resynchronise so the next commits apply.
        w.version = r.version
        w.deleted = r.value === true
      }
    }
  })
  const vmap = versionedMap(observer.doc)
  const onVersioned = (e: Y.YMapEvent<unknown>) => {
    const at = performance.now()
    for (const key of e.keysChanged) {
      const entry = vmap.get(key) as { version?: number } | undefined
      const id = `${key}@${entry?.version}`
      const t = projectionSent.get(id)
      if (t === undefined) continue
      projectionSent.delete(id)
      seen.push(at - t)
      if (inWindow(at)) seenInWindow++
    }
  }
  vmap.observe(onVersioned)
  const window = sampleWindow(server.cpuMs, s.measureStart, s.end)
  try {
    const { measured, skipped } = await paced(writers.length, RATE_PER_WRITER, s, (i, t, m) => {
      const w = writers[i]!
      const opId = `${w.client.label}-${++w.seq}`
      const baseVersion = w.version
      w.version++
      w.deleted = !w.deleted
      pending.set(opId, { t, measured: m })
      if (m) projectionSent.set(`${w.shapeId}:deleted@${w.version}`, t)
      w.client.send({
        t: 'commit',
        opId,
        ops: [{ shapeId: w.shapeId, field: 'deleted', baseVersion, value: w.deleted }],
      })
    })
    const sample = await window.done
    await drain(() => pending.size + projectionSent.size)
    const unanswered = [...pending.values()].filter((p) => p.measured).length
    const windowSec = cfg.windowMs / 1000
    const common = { round, errors, skippedTicks: skipped, sample, otherBeforePct }
    return [
      {
        ...common,
        what: 'commit → commitResult',
        offeredPerSec: measured / windowSec,
        achievedPerSec: okInWindow / windowSec,
        latency: summarize(rtts),
        lost: unanswered,
      },
      {
        ...common,
        what: 'commit → seen by other',
        offeredPerSec: measured / windowSec,
        achievedPerSec: seenInWindow / windowSec,
        latency: summarize(seen),
        lost: projectionSent.size,
      },
    ]
  } finally {
    window.cancel()
    vmap.unobserve(onVersioned)
    for (const w of writers) w.client.onMessage = null
  }
}

/**
 * A Yjs round trip is a tier-1 edit of the writer's own shape (the server accepts only valid
 * shapes): `rotation` carries the send time (a finite number the schema does not bound), `points`
 * whether it is a measured one.
 */
function writeRtt(shape: Y.Map<unknown>, t: number, m: boolean): void {
  shape.doc!.transact(() => {
    shape.set('rotation', t)
    shape.set('points', [m ? 1 : 0])
  })
}

async function yjsPhase(
  server: EaselUnderTest,
  writers: Writer[],
  observer: ProtocolClient,
  cfg: Config,
  round: number,
  otherBeforePct: number | null,
): Promise<RttRow> {
  const shapes = shapesMap(observer.doc)
  const latencies: number[] = []
  let seenInWindow = 0
  const s = schedule(cfg)
  const onChange: Parameters<typeof shapes.observeDeep>[0] = (events) => {
    const at = performance.now()
    for (const e of events) {
      const shape = e.target
      if (shape === shapes || !(shape instanceof Y.Map) || !e.keys.has('rotation')) continue
      const t = shape.get('rotation')
      const points = shape.get('points')
      if (typeof t !== 'number' || !Array.isArray(points) || points[0] !== 1) continue
      latencies.push(at - t)
      if (at >= s.measureStart && at < s.end) seenInWindow++
    }
  }
  shapes.observeDeep(onChange)
  const window = sampleWindow(server.cpuMs, s.measureStart, s.end)
  try {
    const { measured, skipped } = await paced(writers.length, RATE_PER_WRITER, s, (i, t, m) => {
      const w = writers[i]!
      writeRtt(shapesMap(w.client.doc).get(w.shapeId)!, t, m)
    })
    const sample = await window.done
    await drain(() => measured - latencies.length)
    const windowSec = cfg.windowMs / 1000
    return {
      round,
      what: 'Yjs update → seen by other',
      offeredPerSec: measured / windowSec,
      achievedPerSec: seenInWindow / windowSec,
      latency: summarize(latencies),
      lost: measured - latencies.length,
      errors: 0,
      skippedTicks: skipped,
      sample,
      otherBeforePct,
    }
  } finally {
    window.cancel()
    shapes.unobserveDeep(onChange)
  }
}

async function roundTrips(cfg: Config, options: BenchOptions, notes: string[]): Promise<RttRow[]> {
  const rows: RttRow[] = []
  const server = await startEasel({}, { cpuProfileDir: options.cpuProfileDir, tag: 'commits-rtt' })
  const clients: ProtocolClient[] = []
  try {
    const room = 'bench-commit-rtt'
    clients.push(
      ...(await connectMany(server.wsUrl, room, WRITERS, (i) => ({ ...LOAD_CLIENT, name: `writer${i}` }))),
    )
    const observer = await ProtocolClient.connect(server.wsUrl, room, { ...OBSERVER, name: 'observer' })
    clients.push(observer)
    const writers: Writer[] = clients.slice(0, WRITERS).map((client, i) => {
      insertShape(client.doc, `shape${i}`, RECT)
      return { client, shapeId: `shape${i}`, version: 0, deleted: false, seq: 0 }
    })
    // The observer sees them only after the server stored and broadcast them.
    await waitFor(() => shapesMap(observer.doc).size >= WRITERS, 'the shapes on the server', 10_000)
    const before = await server.stats()
    for (let round = 1; round <= cfg.rounds; round++) {
      const order: Tier[] = round % 2 === 1 ? ['commit', 'yjs'] : ['yjs', 'commit']
      for (const tier of order) {
        const other = await settleMachine(options.quick)
        progress(`commits: round trip, ${tier}, round ${round} …`)
        const got =
          tier === 'commit'
            ? await commitPhase(server, writers, observer, cfg, round, other)
            : [await yjsPhase(server, writers, observer, cfg, round, other)]
        for (const r of got) {
          progress(
            `  ${r.what}: ${fixed(r.achievedPerSec, 0)}/s of ${fixed(r.offeredPerSec, 0)}/s, ` +
              `p50 ${ms(r.latency.p50)} p99 ${ms(r.latency.p99)} max ${ms(r.latency.max)} ms, ` +
              `CPU % server ${fixed(r.sample.cpu.serverPct, 0)} driver ${fixed(r.sample.cpu.driverPct, 0)} ` +
              `other ${fixed(r.sample.cpu.otherPct, 0)}`,
          )
        }
        rows.push(...got)
        await sleep(SETTLE_MS)
      }
    }
    const after = await server.stats()
    notes.push(
      `Round trip: the server counted ${after.commits.ok - before.commits.ok} ok commits, ` +
        `${after.commits.conflict - before.commits.conflict} conflicts and ` +
        `${after.commits.error - before.commits.error} errors (client side: ${rows
          .filter((r) => r.what === 'commit → commitResult')
          .reduce((n, r) => n + r.errors, 0)} conflicts or errors).`,
    )
  } finally {
    await Promise.all(clients.map((c) => c.close()))
    await server.stop()
  }
  return rows
}

// ---------------------------------------------------------------------------------------------
// (b) hot key

/**
 * backoff / immediate: the next attempt uses the version from the conflict answer (or from the own
 * last success). backoff-live: like backoff, but each attempt uses the newest version the client's
 * own document shows (the server projects every commit into it), as an editor would.
 */
type Strategy = 'backoff' | 'immediate' | 'backoff-live'
const STRATEGIES: Strategy[] = ['backoff', 'immediate', 'backoff-live']

type HotClientRecord = {
  successes: number
  attempts: number
  conflicts: number
  errors: number
  timeouts: number
  /** Retries (attempts after the first) of the commits that succeeded. */
  retries: number
  /** Decide → success, per success. */
  waits: number[]
  versions: number[]
  /** How long the commit in progress at the end had been waiting, if any. */
  unfinishedWait: number | null
}

type HotRow = {
  strategy: Strategy
  round: number
  clients: number
  durationMs: number
  successes: number
  attempts: number
  conflicts: number
  errors: number
  timeouts: number
  successPerSec: number
  attemptsPerSec: number
  conflictRate: number
  /** Every retry (conflict), including those of commits still unfinished at the end, ÷ successes. */
  retriesPerSuccess: number
  /** Retries of the commits that succeeded ÷ successes. */
  retriesPerCompleted: number
  /** Decide → success of the commits that succeeded. */
  wait: Summary
  unfinished: number
  longestUnfinished: number
  minPerClient: number
  maxPerClient: number
  starved: number
  /** The ok versions are exactly 1..successes: nothing lost or doubled. */
  versionsGapFree: boolean
  /** The server's own counters agree with what the clients saw. */
  serverOk: number
  serverConflicts: number
  sample: WindowSample
  otherBeforePct: number | null
}

async function hotClient(
  c: ProtocolClient,
  strategy: Strategy,
  start: number,
  end: number,
): Promise<HotClientRecord> {
  const rec: HotClientRecord = {
    successes: 0,
    attempts: 0,
    conflicts: 0,
    errors: 0,
    timeouts: 0,
    retries: 0,
    waits: [],
    versions: [],
    unfinishedWait: null,
  }
  let base = 0
  let seq = 0
  const view = versionedMap(c.doc)
  const liveVersion = () => (view.get('hot:binding') as { version?: number } | undefined)?.version ?? 0
  await sleep(start - performance.now() + Math.random() * THINK_MS)
  while (performance.now() < end) {
    const decidedAt = performance.now()
    let attempt = 0
    let done = false
    while (performance.now() < end) {
      attempt++
      rec.attempts++
      if (strategy === 'backoff-live') base = Math.max(base, liveVersion())
      const opId = `${c.label}-${++seq}`
      const value = seq % 2 === 0 ? { start: 't1', end: null } : { start: null, end: 't2' }
      const answer = c.nextAt((m) => m.t === 'commitResult' && m.opId === opId, ANSWER_TIMEOUT_MS)
      c.send({ t: 'commit', opId, ops: [{ shapeId: 'hot', field: 'binding', baseVersion: base, value }] })
      let r: CommitResult
      let at: number
      try {
        const a = await answer
        r = (a.message as CommitResultMessage).result
        at = a.at
      } catch {
        rec.timeouts++
        return rec
      }
      if (r.status === 'ok') {
        base = r.versions[0]!
        rec.successes++
        rec.retries += attempt - 1
        rec.waits.push(at - decidedAt)
        rec.versions.push(base)
        done = true
        break
      }
      if (r.status !== 'conflict') {
        rec.errors++
        done = true
        break
      }
      rec.conflicts++
      base = r.version
      if (strategy !== 'immediate') {
        const delay = backoffDelay(attempt - 1, { ...BACKOFF, random: Math.random })
        if (delay > 0) await sleep(Math.min(delay, end - performance.now()))
      }
    }
    if (!done) {
      rec.unfinishedWait = performance.now() - decidedAt
      break
    }
    await sleep(Math.random() * THINK_MS)
  }
  return rec
}

async function hotKey(
  strategy: Strategy,
  cfg: Config,
  round: number,
  options: BenchOptions,
): Promise<HotRow> {
  const otherBeforePct = await settleMachine(options.quick)
  const server = await startEasel(
    {},
    { cpuProfileDir: options.cpuProfileDir, tag: `commits-hot-${strategy}-r${round}` },
  )
  const clients: ProtocolClient[] = []
  try {
    const room = `bench-hot-${strategy}`
    // Every client applies the room's updates (same driver work for every strategy); only
    // backoff-live reads them.
    clients.push(
      ...(await connectMany(server.wsUrl, room, HOT_CLIENTS, (i) => ({
        ...OBSERVER,
        name: `hot${i}`,
      }))),
    )
    const observer = await ProtocolClient.connect(server.wsUrl, room, { ...OBSERVER, name: 'observer' })
    clients.push(observer)
    const first = clients[0]!
    insertShape(first.doc, 'hot', ARROW)
    insertShape(first.doc, 't1', RECT)
    insertShape(first.doc, 't2', RECT)
    await waitFor(() => shapesMap(observer.doc).size >= 3, 'the shapes on the server', 10_000)
    progress(`commits: hot key, ${HOT_CLIENTS} clients, ${strategy}, round ${round} …`)
    const start = performance.now() + 20
    const end = start + cfg.hotMs
    const window = sampleWindow(server.cpuMs, start, end)
    let records: HotClientRecord[]
    let sample: WindowSample
    try {
      records = await Promise.all(
        clients.slice(0, HOT_CLIENTS).map((c) => hotClient(c, strategy, start, end)),
      )
      sample = await window.done
    } finally {
      window.cancel()
    }
    const stats = await server.stats()
    const sum = (f: (r: HotClientRecord) => number) => records.reduce((n, r) => n + f(r), 0)
    const successes = sum((r) => r.successes)
    const attempts = sum((r) => r.attempts)
    const conflicts = sum((r) => r.conflicts)
    const versions = records.flatMap((r) => r.versions).sort((a, b) => a - b)
    const unfinished = records.flatMap((r) => (r.unfinishedWait === null ? [] : [r.unfinishedWait]))
    const per = records.map((r) => r.successes)
    const sec = cfg.hotMs / 1000
    const row: HotRow = {
      strategy,
      round,
      clients: HOT_CLIENTS,
      durationMs: cfg.hotMs,
      successes,
      attempts,
      conflicts,
      errors: sum((r) => r.errors),
      timeouts: sum((r) => r.timeouts),
      successPerSec: successes / sec,
      attemptsPerSec: attempts / sec,
      conflictRate: attempts > 0 ? conflicts / attempts : Number.NaN,
      retriesPerSuccess: successes > 0 ? conflicts / successes : Number.NaN,
      retriesPerCompleted: successes > 0 ? sum((r) => r.retries) / successes : Number.NaN,
      wait: summarize(records.flatMap((r) => r.waits)),
      unfinished: unfinished.length,
      longestUnfinished: unfinished.length > 0 ? Math.max(...unfinished) : Number.NaN,
      minPerClient: Math.min(...per),
      maxPerClient: Math.max(...per),
      starved: per.filter((n) => n === 0).length,
      versionsGapFree: versions.every((v, i) => v === i + 1),
      serverOk: stats.commits.ok,
      serverConflicts: stats.commits.conflict,
      sample,
      otherBeforePct,
    }
    progress(
      `  ${fixed(row.successPerSec, 0)} ok/s, ${fixed(row.attemptsPerSec, 0)} attempts/s, conflict rate ` +
        `${fixed(row.conflictRate * 100, 1)}%, wait p99 ${ms(row.wait.p99, 0)} ms, longest ${longestWait(row)} ms, ` +
        `per client ${row.minPerClient}–${row.maxPerClient}`,
    )
    return row
  } finally {
    await Promise.all(clients.map((c) => c.close()))
    await server.stop()
  }
}

// ---------------------------------------------------------------------------------------------

function rttCells(r: RttRow): Cell[] {
  return [
    r.what,
    r.round,
    fixed(r.offeredPerSec, 0),
    fixed(r.achievedPerSec, 0),
    r.latency.n,
    ms(r.latency.p50),
    ms(r.latency.p95),
    ms(r.latency.p99),
    ms(r.latency.max),
    r.lost,
    r.errors,
    ms(r.sample.loopDelayP99, 1),
    ...cpuCells(r.sample.cpu),
  ]
}

/** Longest decide → success; "≥" when a commit still retrying at the end had waited longer. */
function longestWait(r: HotRow): string {
  if (r.unfinished > 0 && !(r.longestUnfinished <= r.wait.max)) return `≥ ${ms(r.longestUnfinished, 0)}`
  return ms(r.wait.max, 0)
}

function hotCells(r: HotRow): Cell[] {
  return [
    r.strategy,
    r.round,
    fixed(r.successPerSec, 1),
    fixed(r.attemptsPerSec, 0),
    `${fixed(r.conflictRate * 100, 1)}%`,
    fixed(r.retriesPerSuccess, 1),
    ms(r.wait.p50, 0),
    ms(r.wait.p99, 0),
    longestWait(r),
    r.unfinished,
    r.starved > 0 ? `${r.minPerClient} (${r.starved} starved)` : r.minPerClient,
    r.maxPerClient,
    r.errors + r.timeouts,
    ...cpuCells(r.sample.cpu),
  ]
}

async function run(options: BenchOptions): Promise<BenchResult> {
  const cfg = options.quick ? QUICK : FULL
  const notes: string[] = []
  const rtt = await roundTrips(cfg, options, notes)

  const hot: HotRow[] = []
  for (let round = 1; round <= cfg.hotRounds; round++) {
    const order = round % 2 === 1 ? STRATEGIES : [...STRATEGIES].reverse()
    for (const strategy of order) {
      hot.push(await hotKey(strategy, cfg, round, options))
      await sleep(SETTLE_MS)
    }
  }

  for (const r of hot) {
    if (!r.versionsGapFree || r.serverOk !== r.successes || r.serverConflicts !== r.conflicts) {
      notes.push(
        `Hot key ${r.strategy} round ${r.round}: MISMATCH — versions gap-free ${r.versionsGapFree}, server ok ` +
          `${r.serverOk} vs client ${r.successes}, server conflicts ${r.serverConflicts} vs client ${r.conflicts}.`,
      )
    }
  }
  if (
    hot.every((r) => r.versionsGapFree && r.serverOk === r.successes && r.serverConflicts === r.conflicts)
  ) {
    notes.push(
      'Hot key: in every run the ok versions were exactly 1…n (nothing lost or applied twice) and the ' +
        "server's `/api/stats` counters matched the clients' ok and conflict counts.",
    )
  }
  const busy = [
    ...rtt.map((r) => ({ label: `${r.what} round ${r.round}`, other: r.sample.cpu.otherPct })),
    ...hot.map((r) => ({ label: `hot key ${r.strategy} round ${r.round}`, other: r.sample.cpu.otherPct })),
  ].filter((b) => (b.other ?? 0) > BUSY_OTHER_PCT)
  if (busy.length > 0) {
    notes.push(
      `Other processes used more than ${BUSY_OTHER_PCT}% of a core during: ${busy
        .map((b) => `${b.label} (${fixed(b.other, 0)}%)`)
        .join(', ')}; treat those rows with suspicion.`,
    )
  }
  const skipped = rtt.filter((r) => r.skippedTicks > 0 && r.what !== 'commit → seen by other')
  if (skipped.length > 0) {
    notes.push(
      `The driver fell more than one period behind its send schedule and skipped ticks in: ${skipped
        .map((r) => `${r.what} round ${r.round} (${r.skippedTicks})`)
        .join(', ')}.`,
    )
  }

  const versions = serverVersions().easel
  return {
    title: 'Versioned commits: round trip at 1 000 commits/s, and a hot key under contention',
    description: [
      `- **Server.** Easel (${EASEL_BUILD}, SQLite in a fresh temp dir, ` +
        `\`--rate-limit-per-sec 100000\`, log level warn; yjs ${versions.yjs}, ws ${versions.ws}), one ` +
        'child process on 127.0.0.1, fresh for part (a) and for every hot-key run. Clients are raw `ws` ' +
        'sockets (`@easel/testkit/protocolClient.ts`: y-websocket sync + `hello`); they ignore the room’s later Yjs ' +
        'updates except one **observer** client that applies everything and stands for another user.',
      `- **(a) Round trip.** ${WRITERS} clients × ${RATE_PER_WRITER}/s = ${WRITERS * RATE_PER_WRITER}/s offered, ` +
        'open loop on a fixed schedule (clients phase-shifted; a client more than one period late skips ' +
        'a tick). Commit tier: each client commits `deleted` of its own rectangle, toggling, with the ' +
        'base version it predicts (no conflicts, no lease). Measured per commit sent in the window: ' +
        'send → `commitResult` at the sender, and send → the new version seen in the observer’s ' +
        '`versioned` map. Yjs tier (reference): the same clients on the same sockets and server set ' +
        'their own key of a `Y.Map` at the same rate; send → change seen by the observer. ' +
        `${cfg.warmupMs / 1000} s warm-up, ${cfg.windowMs / 1000} s window, ${cfg.rounds} round(s), ` +
        'tiers alternating which goes first. achieved/s = answers (deliveries) that arrived inside the ' +
        'window ÷ window. lost = sent in the window, not answered (seen) after a drain of up to ' +
        `${DRAIN_MAX_MS / 1000} s. “loop p99” is the driver’s own event-loop delay.`,
      `- **(b) Hot key.** ${HOT_CLIENTS} clients commit \`binding\` of one arrow for ${cfg.hotMs / 1000} s, ` +
        'closed loop: decide → commit with the base version last known → on conflict take `version` ' +
        'from the answer and retry → on success wait uniformly 0–' +
        `${THINK_MS} ms (“think”) and decide the next. **backoff**: retry after ` +
        '`backoffDelay(attempt)` from `client/src/sync/backoff.ts` (full jitter, uniform in ' +
        `[0, min(${BACKOFF.capMs}, ${BACKOFF.baseMs}·2^attempt)) ms); **immediate**: retry as soon as the ` +
        'conflict arrives; **backoff-live**: backoff, but every attempt uses the newest version the ' +
        'client’s own document shows (the server projects each commit into every client’s document, as ' +
        'an editor would see it) instead of the one from the last answer. Every client applies the room’s ' +
        'updates in all three runs, so the driver does the same work. conflict rate = conflicts ÷ ' +
        'attempts; retries/success = all conflicts (also of commits still retrying at the end) ÷ ' +
        'successes; wait = decide → ok answer, percentiles over the commits that succeeded; longest wait ' +
        'shows “≥” when a commit still retrying at the end (“unfinished”) had waited longer. ' +
        'min/max ok/client = successes of the least and most successful client (“starved” = none).',
      '- CPU % is CPU time in % of one core during the window (server process; this driver process; ' +
        'everything else on the machine, which may be shared: check “other”). Timing uses ' +
        '`performance.now()` in one process. Latencies are nearest-rank percentiles.',
    ],
    tables: [
      {
        title: `(a) Round trip at ${WRITERS * RATE_PER_WRITER}/s offered (${WRITERS} clients × ${RATE_PER_WRITER}/s), ms`,
        columns: [
          'path',
          'round',
          'offered/s',
          'achieved/s',
          'n',
          'p50',
          'p95',
          'p99',
          'max',
          'lost',
          'conflicts+errors',
          'driver loop p99',
          ...CPU_COLUMNS,
        ],
        rows: rtt.map(rttCells),
      },
      {
        title: `(b) Hot key: ${HOT_CLIENTS} clients on one field for ${cfg.hotMs / 1000} s`,
        columns: [
          'retry',
          'round',
          'ok commits/s',
          'attempts/s',
          'conflict rate',
          'retries/success',
          'wait p50 ms',
          'wait p99 ms',
          'longest wait ms',
          'unfinished at end',
          'min ok/client',
          'max ok/client',
          'errors',
          ...CPU_COLUMNS,
        ],
        rows: hot.map(hotCells),
      },
    ],
    notes,
    data: {
      config: cfg,
      writers: WRITERS,
      ratePerWriter: RATE_PER_WRITER,
      hotClients: HOT_CLIENTS,
      backoff: BACKOFF,
      thinkMs: THINK_MS,
      rtt,
      hot,
    },
  }
}

export const commits: Benchmark = { name: 'commits', run }
