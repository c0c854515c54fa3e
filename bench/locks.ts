/**
 * Leased locks (tier 3) on the wire, against the real Easel server as a child process.
 *
 * (a) Acquire round trip: clients on separate shapes loop acquire → granted, release, pause.
 * (b) Handover after the holder fails, with a waiter queued: the holder's socket is destroyed
 *     (process death: the server releases on close) or the holder freezes (stops renewing, socket
 *     open: the lease must expire). Measured from the failure to the waiter's `lock.granted`.
 * (c) Contention: clients cycling short edits on one shape, each asking with `wait: true`.
 */
import { performance } from 'node:perf_hooks'
import { insertShape, type ServerMessage, shapesMap } from '@easel/shared'
import { connectMany, ProtocolClient, RECT } from '@easel/testkit/protocolClient.ts'
import { sleep, waitFor } from '@easel/testkit/waitFor.ts'
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
import { type Benchmark, type BenchOptions, type BenchResult, fixed, progress } from './report.ts'
import {
  EASEL_BUILD,
  type EaselUnderTest,
  LOAD_CLIENT,
  OBSERVER,
  serverVersions,
  startEasel,
} from './servers.ts'

type Config = {
  acquireWarmupMs: number
  acquireMs: number
  /** Repetitions of each handover scenario. */
  handoverReps: number
  /** Lease TTL of the handover server (`--lease-ttl-ms`). */
  handoverTtlMs: number
  contentionMs: number
}

const FULL: Config = {
  acquireWarmupMs: 1_000,
  acquireMs: 10_000,
  handoverReps: 6,
  handoverTtlMs: 2_000,
  contentionMs: 15_000,
}
const QUICK: Config = {
  acquireWarmupMs: 300,
  acquireMs: 1_500,
  handoverReps: 2,
  handoverTtlMs: 1_000,
  contentionMs: 2_000,
}

const ACQUIRE_CLIENTS = 10
/** Pause after each release in (a). */
const ACQUIRE_PAUSE_MS = 20
const CONTENTION_CLIENTS = 20
/** An "edit" in (c): hold this long, with one renewal (activity) half-way. */
const HOLD_MS = 20
/** Pause after a release in (c): uniform in [PAUSE_MIN_MS, PAUSE_MAX_MS). */
const PAUSE_MIN_MS = 5
const PAUSE_MAX_MS = 15
const ANSWER_TIMEOUT_MS = 10_000
/** Longest a waiter in (c) waits for its grant before it counts as starved and stops. */
const WAIT_TIMEOUT_MS = 30_000
/** The server checks a room's lease deadline this much after it (AuthorityExtension.schedule). */
const SERVER_TIMER_SLACK_MS = 5

type Granted = Extract<ServerMessage, { t: 'lock.granted' }>
type Renewed = Extract<ServerMessage, { t: 'lock.renewed' }>
type Lost = Extract<ServerMessage, { t: 'lock.lost' }>

const isGrant = (shapeId: string) => (m: ServerMessage) => m.t === 'lock.granted' && m.shapeId === shapeId

/** Connects `count` clients plus an observer, creates `shapes` and waits until the server has them. */
async function setupRoom(
  server: EaselUnderTest,
  room: string,
  count: number,
  shapes: string[],
  into: ProtocolClient[],
): Promise<{ clients: ProtocolClient[]; observer: ProtocolClient }> {
  const clients = await connectMany(server.wsUrl, room, count, (i) => ({
    ...LOAD_CLIENT,
    name: `${room}-${i}`,
  }))
  into.push(...clients)
  const observer = await ProtocolClient.connect(server.wsUrl, room, { ...OBSERVER, name: 'observer' })
  into.push(observer)
  for (const id of shapes) insertShape(clients[0]!.doc, id, RECT)
  await waitFor(
    () => shapes.every((id) => shapesMap(observer.doc).has(id)),
    'the shapes on the server',
    10_000,
  )
  return { clients, observer }
}

// ---------------------------------------------------------------------------------------------
// (a) acquire round trip

type AcquireResult = {
  clients: number
  windowMs: number
  grants: number
  acquiresPerSec: number
  latency: Summary
  denied: number
  timeouts: number
  tokensOk: boolean
  sample: WindowSample
  otherBeforePct: number | null
}

async function acquireRtt(cfg: Config, options: BenchOptions): Promise<AcquireResult> {
  const otherBeforePct = await settleMachine(options.quick)
  const server = await startEasel({}, { cpuProfileDir: options.cpuProfileDir, tag: 'locks-acquire' })
  const all: ProtocolClient[] = []
  try {
    const shapes = Array.from({ length: ACQUIRE_CLIENTS }, (_, i) => `lock${i}`)
    const { clients } = await setupRoom(server, 'bench-lock-rtt', ACQUIRE_CLIENTS, shapes, all)
    progress(`locks: acquire round trip, ${ACQUIRE_CLIENTS} clients …`)
    const start = performance.now() + 20
    const measureStart = start + cfg.acquireWarmupMs
    const end = measureStart + cfg.acquireMs
    const window = sampleWindow(server.cpuMs, measureStart, end)
    const rtts: number[] = []
    const tokens: number[] = []
    let perClientIncreasing = true
    let denied = 0
    let timeouts = 0
    try {
      await Promise.all(
        clients.map(async (c, i) => {
          const shapeId = shapes[i]!
          let last = 0
          await sleep(start - performance.now() + (i / ACQUIRE_CLIENTS) * ACQUIRE_PAUSE_MS)
          while (performance.now() < end) {
            const answer = c.nextAt(
              (m) => (m.t === 'lock.granted' || m.t === 'lock.denied') && m.shapeId === shapeId,
              ANSWER_TIMEOUT_MS,
            )
            const t0 = performance.now()
            c.send({ t: 'lock.acquire', shapeId, wait: false })
            let a: { message: ServerMessage; at: number }
            try {
              a = await answer
            } catch {
              timeouts++
              return
            }
            if (a.message.t !== 'lock.granted') {
              denied++
            } else {
              const { token } = a.message
              if (t0 >= measureStart) rtts.push(a.at - t0)
              if (token <= last) perClientIncreasing = false
              last = token
              tokens.push(token)
              c.send({ t: 'lock.release', shapeId, token })
            }
            await sleep(ACQUIRE_PAUSE_MS)
          }
        }),
      )
      const sample = await window.done
      return {
        clients: ACQUIRE_CLIENTS,
        windowMs: cfg.acquireMs,
        grants: rtts.length,
        acquiresPerSec: rtts.length / (cfg.acquireMs / 1000),
        latency: summarize(rtts),
        denied,
        timeouts,
        tokensOk: perClientIncreasing && new Set(tokens).size === tokens.length,
        sample,
        otherBeforePct,
      }
    } finally {
      window.cancel()
    }
  } finally {
    await Promise.all(all.map((c) => c.close()))
    await server.stop()
  }
}

// ---------------------------------------------------------------------------------------------
// (b) handover after a holder failure

type Failure = 'crash' | 'freeze'

type HandoverRep = {
  failure: Failure
  /** Failure → waiter's lock.granted. */
  ms: number
  /** Freeze only: holder's last acknowledged renewal → waiter's lock.granted. */
  sinceRenewalMs: number | null
  /** Freeze only: what the frozen holder was told (`lock.lost` reason), if anything. */
  holderTold: string | null
  tokenIncreased: boolean
}

async function handoverOnce(
  server: EaselUnderTest,
  room: string,
  waiter: ProtocolClient,
  failure: Failure,
  ttlMs: number,
  rep: number,
): Promise<HandoverRep> {
  const holder = await ProtocolClient.connect(server.wsUrl, room, {
    ...LOAD_CLIENT,
    name: `holder-${failure}-${rep}`,
  })
  try {
    const lostMessages: Lost[] = []
    holder.onMessage = (m) => {
      if (m.t === 'lock.lost') lostMessages.push(m)
    }
    const held = holder.next(isGrant('h'), ANSWER_TIMEOUT_MS)
    holder.send({ t: 'lock.acquire', shapeId: 'h', wait: true })
    const holderToken = ((await held) as Granted).token

    const queued = waiter.next((m) => m.t === 'lock.denied' && m.shapeId === 'h', ANSWER_TIMEOUT_MS)
    const handedOver = waiter.nextAt(isGrant('h'), ttlMs * 3 + ANSWER_TIMEOUT_MS)
    waiter.send({ t: 'lock.acquire', shapeId: 'h', wait: true })
    const denied = await queued
    if (denied.t !== 'lock.denied' || denied.position !== 1) {
      throw new Error(`waiter not queued first: ${JSON.stringify(denied)}`)
    }

    let failedAt: number
    let renewedAt: number | null = null
    if (failure === 'crash') {
      await sleep(50)
      failedAt = performance.now()
      holder.terminate()
    } else {
      // A healthy holder renews every TTL/3; this one renews once, then freezes at a random point
      // before its next renewal would be due (socket open, nothing sent).
      await sleep(ttlMs / 3)
      const renewed = holder.nextAt((m) => m.t === 'lock.renewed' && m.shapeId === 'h', ANSWER_TIMEOUT_MS)
      holder.send({ t: 'lock.renew', shapeId: 'h', token: holderToken, activity: true })
      const r = await renewed
      if ((r.message as Renewed).token !== holderToken) throw new Error('renewal answered another token')
      renewedAt = r.at
      await sleep(Math.random() * (ttlMs / 3))
      failedAt = performance.now()
    }
    const granted = await handedOver
    const token = (granted.message as Granted).token
    if (failure === 'freeze') {
      // The holder is told in the same server operation that handed the lock over.
      await waitFor(() => lostMessages.length > 0, 'lock.lost at the frozen holder', 1_000).catch(() => {})
    }
    const gone = waiter.next((m) => m.t === 'leases.changed' && m.removed.includes('h'))
    waiter.send({ t: 'lock.release', shapeId: 'h', token })
    await gone
    return {
      failure,
      ms: granted.at - failedAt,
      sinceRenewalMs: renewedAt === null ? null : granted.at - renewedAt,
      holderTold: lostMessages[0]?.reason ?? null,
      tokenIncreased: token > holderToken,
    }
  } finally {
    await holder.close()
  }
}

async function handover(cfg: Config, options: BenchOptions): Promise<{ reps: HandoverRep[]; ttlMs: number }> {
  await settleMachine(options.quick)
  const ttlMs = cfg.handoverTtlMs
  // Idle release far away, so that only the TTL can end a frozen lease.
  const server = await startEasel(
    { leaseTtlMs: ttlMs, leaseIdleMs: ttlMs * 30 },
    { cpuProfileDir: options.cpuProfileDir, tag: 'locks-handover' },
  )
  const all: ProtocolClient[] = []
  const reps: HandoverRep[] = []
  try {
    const room = 'bench-handover'
    const { clients } = await setupRoom(server, room, 1, ['h'], all)
    const waiter = clients[0]!
    for (const failure of ['crash', 'freeze'] as const) {
      progress(`locks: handover after a holder ${failure}, TTL ${ttlMs} ms, ${cfg.handoverReps} reps …`)
      for (let rep = 1; rep <= cfg.handoverReps; rep++) {
        const r = await handoverOnce(server, room, waiter, failure, ttlMs, rep)
        reps.push(r)
        progress(
          `  ${failure} ${rep}: ${ms(r.ms, 1)} ms${r.sinceRenewalMs === null ? '' : ` (${ms(r.sinceRenewalMs, 1)} ms after the last renewal)`}`,
        )
      }
    }
    return { reps, ttlMs }
  } finally {
    await Promise.all(all.map((c) => c.close()))
    await server.stop()
  }
}

// ---------------------------------------------------------------------------------------------
// (c) contention on one shape

type Grant = { client: number; token: number; at: number; waitMs: number; releasedAt: number | null }

type ContentionResult = {
  clients: number
  durationMs: number
  grants: number
  grantsPerSec: number
  wait: Summary
  /** Release sent → next holder's grant received. */
  gap: Summary
  minPerClient: number
  maxPerClient: number
  tokensStrictlyIncreasing: boolean
  overlaps: number
  lostWhileHolding: number
  timeouts: number
  serverGranted: number
  sample: WindowSample
  otherBeforePct: number | null
}

async function contention(cfg: Config, options: BenchOptions): Promise<ContentionResult> {
  const otherBeforePct = await settleMachine(options.quick)
  const server = await startEasel({}, { cpuProfileDir: options.cpuProfileDir, tag: 'locks-contention' })
  const all: ProtocolClient[] = []
  try {
    const shapeId = 'edit'
    const { clients } = await setupRoom(server, 'bench-lock-contention', CONTENTION_CLIENTS, [shapeId], all)
    const before = await server.stats()
    progress(`locks: contention, ${CONTENTION_CLIENTS} clients on one shape …`)
    const start = performance.now() + 20
    const end = start + cfg.contentionMs
    const window = sampleWindow(server.cpuMs, start, end)
    const grants: Grant[] = []
    let lostWhileHolding = 0
    let timeouts = 0
    const perClient = new Array<number>(CONTENTION_CLIENTS).fill(0)
    let sample: WindowSample | null = null
    try {
      await Promise.all(
        clients.map(async (c, i) => {
          await sleep(start - performance.now() + Math.random() * PAUSE_MAX_MS)
          // A client that asked before the end finishes its edit: waits are not cut short.
          while (performance.now() < end) {
            const granted = c.nextAt(isGrant(shapeId), WAIT_TIMEOUT_MS)
            const askedAt = performance.now()
            c.send({ t: 'lock.acquire', shapeId, wait: true })
            let g: { message: ServerMessage; at: number }
            try {
              g = await granted
            } catch {
              timeouts++
              return
            }
            const { token } = g.message as Granted
            const grant: Grant = { client: i, token, at: g.at, waitMs: g.at - askedAt, releasedAt: null }
            grants.push(grant)
            perClient[i]!++
            await sleep(HOLD_MS / 2)
            const renewed = c.next(
              (m) => (m.t === 'lock.renewed' || m.t === 'lock.lost') && m.shapeId === shapeId,
              ANSWER_TIMEOUT_MS,
            )
            c.send({ t: 'lock.renew', shapeId, token, activity: true })
            if ((await renewed.catch(() => null))?.t !== 'lock.renewed') lostWhileHolding++
            await sleep(g.at + HOLD_MS - performance.now())
            grant.releasedAt = performance.now()
            c.send({ t: 'lock.release', shapeId, token })
            await sleep(PAUSE_MIN_MS + Math.random() * (PAUSE_MAX_MS - PAUSE_MIN_MS))
          }
        }),
      )
      // The window's end sample is taken at `end`; loops that all stopped early (timeouts) have none.
      if (performance.now() >= end) sample = await window.done
    } finally {
      window.cancel()
    }
    const stats = await server.stats()
    const ordered = [...grants].sort((a, b) => a.at - b.at)
    let increasing = true
    let overlaps = 0
    const gaps: number[] = []
    for (let k = 1; k < ordered.length; k++) {
      const prev = ordered[k - 1]!
      const cur = ordered[k]!
      if (cur.token <= prev.token) increasing = false
      if (prev.releasedAt === null || cur.at < prev.releasedAt) overlaps++
      else gaps.push(cur.at - prev.releasedAt)
    }
    const inWindow = grants.filter((g) => g.at < end).length
    return {
      clients: CONTENTION_CLIENTS,
      durationMs: cfg.contentionMs,
      grants: grants.length,
      grantsPerSec: inWindow / (cfg.contentionMs / 1000),
      wait: summarize(grants.map((g) => g.waitMs)),
      gap: summarize(gaps),
      minPerClient: Math.min(...perClient),
      maxPerClient: Math.max(...perClient),
      tokensStrictlyIncreasing: increasing,
      overlaps,
      lostWhileHolding,
      timeouts,
      serverGranted: stats.leases.granted - before.leases.granted,
      sample: sample ?? {
        cpu: { serverPct: null, driverPct: null, otherPct: null },
        loopDelayP99: Number.NaN,
      },
      otherBeforePct,
    }
  } finally {
    await Promise.all(all.map((c) => c.close()))
    await server.stop()
  }
}

// ---------------------------------------------------------------------------------------------

function median(values: number[]): number {
  return summarize(values).p50
}

async function run(options: BenchOptions): Promise<BenchResult> {
  const cfg = options.quick ? QUICK : FULL
  const acquire = await acquireRtt(cfg, options)
  progress(
    `  ${fixed(acquire.acquiresPerSec, 0)} acquires/s, p50 ${ms(acquire.latency.p50)} p99 ${ms(acquire.latency.p99)} ` +
      `max ${ms(acquire.latency.max)} ms`,
  )
  const ho = await handover(cfg, options)
  const cont = await contention(cfg, options)
  progress(
    `  ${fixed(cont.grantsPerSec, 1)} grants/s, wait p50 ${ms(cont.wait.p50, 0)} p99 ${ms(cont.wait.p99, 0)} ` +
      `max ${ms(cont.wait.max, 0)} ms, per client ${cont.minPerClient}–${cont.maxPerClient}`,
  )

  const ttl = ho.ttlMs
  const handoverRow = (failure: Failure, expected: string) => {
    const reps = ho.reps.filter((r) => r.failure === failure)
    const v = reps.map((r) => r.ms)
    const since = reps.flatMap((r) => (r.sinceRenewalMs === null ? [] : [r.sinceRenewalMs]))
    const told = [...new Set(reps.map((r) => r.holderTold ?? 'nothing'))].join(', ')
    return [
      failure === 'crash'
        ? 'crash: socket destroyed (`ws.terminate()`)'
        : 'freeze: stops renewing, socket open',
      ttl,
      reps.length,
      ms(Math.min(...v), 1),
      ms(median(v), 1),
      ms(Math.max(...v), 1),
      since.length > 0
        ? `${ms(Math.min(...since), 0)} / ${ms(median(since), 0)} / ${ms(Math.max(...since), 0)}`
        : '—',
      expected,
      failure === 'crash' ? '(socket gone)' : told,
      reps.every((r) => r.tokenIncreased) ? 'yes' : 'NO',
    ]
  }

  const notes: string[] = []
  const freeze = ho.reps.filter((r) => r.failure === 'freeze')
  const freezeBound = ttl + ttl / 3
  if (freeze.some((r) => r.ms > freezeBound)) {
    notes.push(`A freeze handover took longer than TTL + TTL/3 = ${fixed(freezeBound, 0)} ms.`)
  }
  if (!cont.tokensStrictlyIncreasing || cont.overlaps > 0 || !acquire.tokensOk) {
    notes.push(
      `FENCING VIOLATION: contention tokens strictly increasing ${cont.tokensStrictlyIncreasing}, ` +
        `overlapping holds ${cont.overlaps}; acquire round-trip tokens ok ${acquire.tokensOk}.`,
    )
  }
  if (cont.serverGranted !== cont.grants) {
    notes.push(
      `Contention: the server counted ${cont.serverGranted} grants, the clients received ${cont.grants}.`,
    )
  }
  const busy = [
    { label: 'acquire round trip', other: acquire.sample.cpu.otherPct },
    { label: 'contention', other: cont.sample.cpu.otherPct },
  ].filter((b) => (b.other ?? 0) > BUSY_OTHER_PCT)
  if (busy.length > 0) {
    notes.push(
      `Other processes used more than ${BUSY_OTHER_PCT}% of a core during: ${busy
        .map((b) => `${b.label} (${fixed(b.other, 0)}%)`)
        .join(', ')}; treat those rows with suspicion.`,
    )
  }

  const versions = serverVersions().easel
  return {
    title: 'Leased locks: acquire round trip, handover after a holder failure, wait under contention',
    description: [
      `- **Server.** Easel (${EASEL_BUILD}, SQLite in a fresh temp dir, ` +
        `\`--rate-limit-per-sec 100000\`, log level warn; yjs ${versions.yjs}, ws ${versions.ws}), a fresh ` +
        'child process on 127.0.0.1 for each part. Clients are raw `ws` sockets ' +
        '(`@easel/testkit/protocolClient.ts`: y-websocket sync + `hello`); timing with `performance.now()` in one process.',
      `- **(a) Acquire round trip.** ${ACQUIRE_CLIENTS} clients, each on its own rectangle, loop: ` +
        '`lock.acquire` (wait: false) → `lock.granted`, `lock.release`, pause ' +
        `${ACQUIRE_PAUSE_MS} ms. ${cfg.acquireWarmupMs / 1000} s warm-up, ${cfg.acquireMs / 1000} s window.`,
      `- **(b) Handover.** Server with \`--lease-ttl-ms ${ttl}\` (\`--lease-idle-ms ${ttl * 30}\`). A holder ` +
        'has the lock, a waiter is queued (`wait: true`, position 1). **crash**: the holder’s socket is ' +
        'destroyed without a close frame (`ws.terminate()`, as when its process dies). **freeze**: the holder ' +
        'renews once at TTL/3, then at a random moment before its next renewal would be due stops sending ' +
        'anything while its socket stays open. Time from that moment to the waiter’s `lock.granted`; for ' +
        'freeze also from the holder’s last acknowledged renewal (the lease expires TTL after it; the server ' +
        `checks ${SERVER_TIMER_SLACK_MS} ms after the deadline). ${cfg.handoverReps} repetitions each.`,
      `- **(c) Contention.** ${CONTENTION_CLIENTS} clients on one rectangle for ${cfg.contentionMs / 1000} s, ` +
        'each looping: `lock.acquire` (wait: true) → on `lock.granted` hold for ' +
        `${HOLD_MS} ms with one \`lock.renew\` (activity) half-way → \`lock.release\` → pause ` +
        `${PAUSE_MIN_MS}–${PAUSE_MAX_MS} ms → ask again. A client that asked before the end finishes its ` +
        'edit. wait = ask → granted; gap = release sent → next holder’s grant received (the handover cost ' +
        'under load). grants/s counts grants received inside the window. Tokens must rise strictly in ' +
        'grant order and no two holds may overlap (checked on the clients’ clock).',
      '- CPU % is CPU time in % of one core during the window (server process; this driver process; ' +
        'everything else on the machine, which may be shared: check “other”).',
    ],
    tables: [
      {
        title: `(a) Acquire round trip, ${ACQUIRE_CLIENTS} clients on separate shapes, ${cfg.acquireMs / 1000} s`,
        columns: [
          'acquires/s',
          'n',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'max ms',
          'denied',
          'timeouts',
          'tokens ok',
          'driver loop p99 ms',
          ...CPU_COLUMNS,
        ],
        rows: [
          [
            fixed(acquire.acquiresPerSec, 0),
            acquire.latency.n,
            ms(acquire.latency.p50),
            ms(acquire.latency.p95),
            ms(acquire.latency.p99),
            ms(acquire.latency.max),
            acquire.denied,
            acquire.timeouts,
            acquire.tokensOk ? 'yes' : 'NO',
            ms(acquire.sample.loopDelayP99, 1),
            ...cpuCells(acquire.sample.cpu),
          ],
        ],
      },
      {
        title: `(b) Handover to a queued waiter after the holder fails (TTL ${ttl} ms)`,
        columns: [
          'holder failure',
          'TTL ms',
          'reps',
          'min ms',
          'median ms',
          'max ms',
          'since last renewal min / median / max ms',
          'expected',
          'holder told',
          'token increased',
        ],
        rows: [
          handoverRow('crash', 'near-immediate: the server releases on close'),
          handoverRow(
            'freeze',
            `≤ TTL + one renewal interval (TTL/3) = ${fixed(freezeBound, 0)} ms; ≈ TTL + ${SERVER_TIMER_SLACK_MS} ms after the last renewal`,
          ),
        ],
      },
      {
        title: `(c) Lock wait under contention: ${CONTENTION_CLIENTS} clients on one shape, ${cfg.contentionMs / 1000} s`,
        columns: [
          'grants/s',
          'grants',
          'wait p50 ms',
          'wait p95 ms',
          'wait p99 ms',
          'wait max ms',
          'gap p50 ms',
          'gap p99 ms',
          'min grants/client',
          'max grants/client',
          'tokens strictly increasing',
          'overlapping holds',
          'lost while holding',
          'wait timeouts',
          ...CPU_COLUMNS,
        ],
        rows: [
          [
            fixed(cont.grantsPerSec, 1),
            cont.grants,
            ms(cont.wait.p50, 1),
            ms(cont.wait.p95, 1),
            ms(cont.wait.p99, 1),
            ms(cont.wait.max, 1),
            ms(cont.gap.p50),
            ms(cont.gap.p99),
            cont.minPerClient,
            cont.maxPerClient,
            cont.tokensStrictlyIncreasing ? 'yes' : 'NO',
            cont.overlaps,
            cont.lostWhileHolding,
            cont.timeouts,
            ...cpuCells(cont.sample.cpu),
          ],
        ],
      },
    ],
    notes,
    data: {
      config: cfg,
      acquireClients: ACQUIRE_CLIENTS,
      acquirePauseMs: ACQUIRE_PAUSE_MS,
      contentionClients: CONTENTION_CLIENTS,
      holdMs: HOLD_MS,
      pauseMs: [PAUSE_MIN_MS, PAUSE_MAX_MS],
      acquire,
      handover: ho,
      contention: cont,
    },
  }
}

export const locks: Benchmark = { name: 'locks', run }
