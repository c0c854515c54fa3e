/**
 * A flooded neighbour: what three hostile clients in room B, each held to the budget the server
 * ships with (defaults), do to the update round trip of two honest users in room A.
 *
 * Room A: client A edits its shape at a steady rate; client B, on seeing each edit, writes the same
 * sequence number into its own shape; A times the round trip (A → server → B → server → A).
 * Measured while the server is quiet, then while room B (a ~3 MB document) is flooded by:
 * - an updater sending shape edits as fast as the budget allows (just under the frame and byte
 *   rates), reconnecting if it is closed anyway;
 * - an awareness flooder sending awareness frames as fast as its socket takes them (closed by the
 *   rate limit, it reconnects at once);
 * - a client that never reads, asking for the whole document (sync step 1) over and over (closed
 *   by backpressure, it reconnects and asks again).
 */
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import * as Y from 'yjs'
import { CloseCode, insertShape, shapesMap } from '@easel/shared'
import { ProtocolClient, RECT } from '@easel/testkit/protocolClient.ts'
import { sleep, waitFor } from '@easel/testkit/waitFor.ts'
import { ms, type Summary, summarize } from './measure.ts'
import { type Benchmark, type BenchOptions, type BenchResult, fixed, progress } from './report.ts'
import type { FloodReply, FloodRequest, FloodSent } from './flood-worker.ts'
import { DEFAULTS, FLOOD_POINTS, UNDER_BUDGET } from './floodBudget.ts'
import { type EaselUnderTest, OBSERVER, serverVersions, startEasel } from './servers.ts'

type Config = { quietMs: number; floodMs: number; docBytes: number }
const FULL: Config = { quietMs: 10_000, floodMs: 10_000, docBytes: 3 * 1024 * 1024 }
const QUICK: Config = { quietMs: 3_000, floodMs: 4_000, docBytes: 3 * 1024 * 1024 }

/** Round trips started per second in room A. */
const RTT_RATE = 50
/** Warm-up of each phase (not measured), and how long a phase waits for its last answers. */
const WARMUP_MS = 500
const DRAIN_MS = 2_000

const WORKER_BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => tsx.register())
  .then(() => import(${JSON.stringify(new URL('./flood-worker.ts', import.meta.url).href)}))`

/** The flooders' thread (flood-worker.ts), spoken to one request at a time. */
class FloodThread {
  private readonly worker = new Worker(WORKER_BOOT, { eval: true })

  call(req: FloodRequest): Promise<FloodReply> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err)
      this.worker.once('error', onError)
      this.worker.once('message', (reply: FloodReply) => {
        this.worker.off('error', onError)
        if (reply.t === 'error') reject(new Error(`flood thread: ${reply.message}`))
        else resolve(reply)
      })
      this.worker.postMessage(req)
    })
  }

  terminate(): Promise<number> {
    return this.worker.terminate()
  }
}

/** Round trips in room A for `durationMs` after a warm-up; the latencies, ms. */
async function roundTrips(a: ProtocolClient, b: ProtocolClient, durationMs: number): Promise<number[]> {
  const mine = shapesMap(a.doc).get('rtt-a')!
  const theirs = shapesMap(b.doc).get('rtt-b')!
  const sentAt = new Map<number, number>()
  const latencies: number[] = []
  let measureFrom = Number.POSITIVE_INFINITY
  // B echoes every sequence number it sees into its own shape.
  const echo = () => {
    const seq = shapesMap(b.doc).get('rtt-a')?.get('x')
    if (typeof seq === 'number' && theirs.get('x') !== seq) theirs.set('x', seq)
  }
  const answer = () => {
    const seq = shapesMap(a.doc).get('rtt-b')?.get('x')
    const at = performance.now()
    if (typeof seq !== 'number') return
    const t = sentAt.get(seq)
    if (t === undefined) return
    sentAt.delete(seq)
    if (t >= measureFrom) latencies.push(at - t)
  }
  shapesMap(b.doc).observeDeep(echo)
  shapesMap(a.doc).observeDeep(answer)
  try {
    const start = performance.now()
    measureFrom = start + WARMUP_MS
    const end = measureFrom + durationMs
    let seq = Math.floor(Math.random() * 1e6)
    for (let tick = 0; performance.now() < end; tick++) {
      const due = start + (tick * 1000) / RTT_RATE
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      seq++
      sentAt.set(seq, performance.now())
      mine.set('x', seq)
    }
    const drainBy = performance.now() + DRAIN_MS
    while (performance.now() < drainBy && [...sentAt.values()].some((t) => t >= measureFrom)) await sleep(20)
  } finally {
    shapesMap(b.doc).unobserveDeep(echo)
    shapesMap(a.doc).unobserveDeep(answer)
  }
  return latencies
}

type LoopDelay = { p50: number; p99: number; max: number }
type ServerStats = {
  rss: number | null
  limits: Record<string, number> | null
  /** The server's event-loop delay since the previous read (the server resets it on each). */
  loop: LoopDelay | null
}
async function serverStats(server: EaselUnderTest): Promise<ServerStats> {
  try {
    const body = (await server.apiStats()) as {
      rss?: number
      limits?: Record<string, number>
      eventLoopDelayMs?: LoopDelay
    }
    return { rss: body.rss ?? null, limits: body.limits ?? null, loop: body.eventLoopDelayMs ?? null }
  } catch (err) {
    progress(`flood: no server stats (${(err as Error).message})`)
    return { rss: null, limits: null, loop: null }
  }
}

type PhaseRow = {
  phase: 'quiet' | 'flooded'
  latency: Summary
  rssMiB: number | null
  loop: LoopDelay | null
}

async function run(options: BenchOptions): Promise<BenchResult> {
  const cfg = options.quick ? QUICK : FULL
  const server = await startEasel(
    { budget: 'defaults' },
    { cpuProfileDir: options.cpuProfileDir, tag: 'flood' },
  )
  const clients: ProtocolClient[] = []
  const closes = new Map<number, number>()
  const rows: PhaseRow[] = []
  const thread = new FloodThread()
  let before: ServerStats = { rss: null, limits: null, loop: null }
  let after: ServerStats = { rss: null, limits: null, loop: null }
  try {
    progress('flood: filling room B with a ~3 MB document …')
    const filler = await ProtocolClient.connect(server.wsUrl, 'flood-b', { ...OBSERVER, name: 'filler' })
    clients.push(filler)
    filler.doc.transact(() => {
      for (let i = 0; Y.encodeStateAsUpdate(filler.doc).byteLength < cfg.docBytes; i++) {
        const points = Array.from({ length: 30_000 }, (_, j) => (j * 7.31 + i) % 5000)
        insertShape(filler.doc, `big${i}`, { ...RECT, kind: 'pen', points, x: i })
      }
    })
    const bSize = Y.encodeStateAsUpdate(filler.doc).byteLength
    const check = await ProtocolClient.connect(server.wsUrl, 'flood-b', { ...OBSERVER, name: 'check' })
    await waitFor(() => shapesMap(check.doc).size === shapesMap(filler.doc).size, 'room B stored', 60_000)
    await check.close()
    // The filler leaves: it would be one more reader of every flood update.
    await filler.close()
    clients.length = 0

    const a = await ProtocolClient.connect(server.wsUrl, 'flood-a', { ...OBSERVER, name: 'A' })
    const b = await ProtocolClient.connect(server.wsUrl, 'flood-a', { ...OBSERVER, name: 'B' })
    clients.push(a, b)
    a.addShape('rtt-a', { x: 0 })
    b.addShape('rtt-b', { x: 0 })
    await waitFor(() => shapesMap(a.doc).has('rtt-b') && shapesMap(b.doc).has('rtt-a'), 'room A shapes')

    progress(`flood: quiet round trips (${cfg.quietMs / 1000} s) …`)
    await serverStats(server) // starts the event-loop delay afresh
    const quiet = await roundTrips(a, b, cfg.quietMs)
    before = await serverStats(server)
    rows.push({ phase: 'quiet', latency: summarize(quiet), rssMiB: mib(before.rss), loop: before.loop })

    progress(`flood: flooding room B, round trips in room A (${cfg.floodMs / 1000} s) …`)
    await thread.call({ t: 'start', wsUrl: server.wsUrl, room: 'flood-b' })
    await sleep(500)
    const flooded = await roundTrips(a, b, cfg.floodMs)
    after = await serverStats(server)
    rows.push({ phase: 'flooded', latency: summarize(flooded), rssMiB: mib(after.rss), loop: after.loop })
    const stopped = await thread.call({ t: 'stop' })
    if (stopped.t !== 'stopped') throw new Error(`flood thread answered ${stopped.t}`)
    const sent: FloodSent = stopped.sent
    for (const [code, n] of stopped.closes) closes.set(code, n)

    const [q, f] = [rows[0]!.latency, rows[1]!.latency]
    const tripped = (name: string) =>
      after.limits && before.limits ? (after.limits[name] ?? 0) - (before.limits[name] ?? 0) : null
    const closeCell = (code: number) => closes.get(code) ?? 0
    return {
      title: 'Flooded neighbour: update round trip in room A while room B is flooded',
      description: [
        `Room A: two clients; A edits its shape ${RTT_RATE} times a second, B echoes each edit into its own shape, A times the round trip (A → server → B → server → A). ${WARMUP_MS} ms of warm-up per phase are not measured.`,
        `Room B: a ${fixed(bSize / 2 ** 20, 1)} MiB document and, in the flooded phase, three clients held to the server's default budget (${DEFAULTS.rateLimitPerSec} frames/s, ${fixed(DEFAULTS.rateLimitBytesPerSec / 2 ** 20, 0)} MiB/s per connection, ${fixed(DEFAULTS.maxBufferedBytes / 2 ** 20, 0)} MiB of unsent output): an updater sending edits of ${FLOOD_POINTS} points at ${Math.round(UNDER_BUDGET * 100)} % of the frame rate, an awareness flooder sending as fast as its socket takes frames, and a client that never reads asking for the whole document at ${Math.round(UNDER_BUDGET * 100)} % of the frame rate. A flooder that is closed reconnects at once.`,
        `Servers: Easel ${Object.entries(serverVersions().easel)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}.`,
      ],
      tables: [
        {
          title: 'Round trip in room A',
          columns: [
            'phase',
            'round trips',
            'p50 ms',
            'p95 ms',
            'p99 ms',
            'max ms',
            'server RSS MiB',
            'server event-loop delay p99 / max ms',
          ],
          rows: rows.map((r) => [
            r.phase,
            r.latency.n,
            ms(r.latency.p50),
            ms(r.latency.p95),
            ms(r.latency.p99),
            ms(r.latency.max),
            r.rssMiB === null ? null : fixed(r.rssMiB, 0),
            r.loop === null ? null : `${fixed(r.loop.p99, 1)} / ${fixed(r.loop.max, 1)}`,
          ]),
        },
        {
          title: 'Flooded / quiet',
          columns: ['ratio', 'p50', 'p99'],
          rows: [['flooded ÷ quiet', fixed(f.p50 / q.p50, 2), fixed(f.p99 / q.p99, 2)]],
        },
        {
          title: 'What the flood sent and what stopped it',
          columns: [
            'updates',
            'awareness frames',
            'sync step 1 requests',
            'closed 4429 (rate)',
            'closed 4508 (backpressure)',
            'cut (1006)',
            'other closes',
            'trips rate_frames',
            'trips rate_bytes',
            'trips backpressure',
          ],
          rows: [
            [
              sent.updates,
              sent.awareness,
              sent.syncRequests,
              closeCell(CloseCode.RateLimited),
              closeCell(CloseCode.Backpressure),
              closeCell(1006),
              [...closes]
                .filter(([c]) => ![CloseCode.RateLimited, CloseCode.Backpressure, 1006].includes(c))
                .reduce((n, [, k]) => n + k, 0),
              tripped('rate_frames'),
              tripped('rate_bytes'),
              tripped('backpressure'),
            ],
          ],
        },
      ],
      notes: [
        'The flooders run in the benchmark process, on the same machine as the server: some of the slowdown is the driver competing for the same cores.',
        'A client that never reads is closed once its unsent output passes the cap, then cut if it does not answer the close (its close frame waits behind what it did not read); "cut (1006)" counts those, "closed 4508" the ones whose close arrived before the cut.',
      ],
      data: { config: cfg, rows, closes: Object.fromEntries(closes), sent, before, after, docBytes: bSize },
    }
  } finally {
    await thread.terminate()
    for (const c of clients) c.terminate()
    await server.stop()
  }
}

const mib = (bytes: number | null) => (bytes === null ? null : bytes / 2 ** 20)

export const floodBench: Benchmark = { name: 'flood', run }
