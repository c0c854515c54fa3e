/**
 * Big documents: one update creating N shapes until a connected peer has them (an import or a
 * large paste), cold joins of a board of N shapes, and the server's memory for an idle room and a
 * board of 10 000 shapes. Easel and the stock `@y/websocket-server` in the same run, ABBA rounds,
 * a fresh server process per round.
 */
import fs from 'node:fs'
import { performance } from 'node:perf_hooks'
import * as Y from 'yjs'
import { insertShape, MessageType, shapesMap } from '@easel/shared'
import { ProtocolClient } from '@easel/testkit/protocolClient.ts'
import { sleep } from '@easel/testkit/waitFor.ts'
import { summarize } from './measure.ts'
import { generateBoard } from './render-seed.ts'
import { type Benchmark, type BenchOptions, type Chart, type Cell, fixed, progress } from './report.ts'
import { type RunningServer, type ServerKind, type StartOptions, startEasel, startServer } from './servers.ts'

type Sizes = { imports: number[]; joins: number[]; joinRepeats: number; memoryShapes: number; rounds: number }
const FULL: Sizes = {
  imports: [1_000, 10_000, 50_000],
  joins: [10_000, 50_000],
  joinRepeats: 5,
  memoryShapes: 10_000,
  rounds: 2,
}
const QUICK: Sizes = {
  imports: [1_000, 5_000],
  joins: [5_000],
  joinRepeats: 3,
  memoryShapes: 5_000,
  rounds: 1,
}

/** Bound on one import or join; a server that takes longer fails the benchmark. */
const STEP_TIMEOUT_MS = 180_000
/** Pause before reading a server's RSS, so that what a step allocated and dropped can be collected. */
const MEMORY_SETTLE_MS = 3_000
/** Easel's frame cap, raised above the 50 000-shape update (~19 MB); the stock server allows 100 MiB. */
const MAX_PAYLOAD = 64 * 1024 * 1024
/** y-protocols' `messageYjsUpdate`. */
const SYNC_UPDATE = 2
const CLIENT = { perMessageDeflate: false, hello: false, timeoutMs: STEP_TIMEOUT_MS } as const

type ImportResult = {
  server: ServerKind
  round: number
  shapes: number
  updateBytes: number
  /** From the send of the update until the peer has every shape. */
  ms: number
  /** Easel only: the server's longest event-loop delay during the import (`/api/stats`). */
  loopDelayMaxMs: number | null
}
/** Per join: ms until the replica held the board (`ms`) and until the joiner had received it. */
type JoinResult = { server: ServerKind; round: number; shapes: number; ms: number[]; received: number[] }
type MemoryResult = {
  server: ServerKind
  round: number
  baseMiB: number
  idleMiB: number
  bigMiB: number
  shapes: number
}

/** One update creating `n` shapes of the generated board, as the Easel client's import writes it. */
function boardUpdate(n: number): Uint8Array {
  const doc = new Y.Doc()
  const shapes = generateBoard(n)
  doc.transact(() => {
    for (const s of shapes) insertShape(doc, s.id, s.props)
  })
  let update: Uint8Array | null = null
  const scratch = new Y.Doc()
  scratch.on('update', (u: Uint8Array) => {
    update = u
  })
  // The update one transaction produces (what a browser's provider sends), not a state encoding.
  Y.applyUpdate(scratch, Y.encodeStateAsUpdate(doc))
  doc.destroy()
  scratch.destroy()
  return update!
}

/** A y-websocket sync update frame: message type, sync step "update", then the length-prefixed update. */
function updateFrame(update: Uint8Array): Uint8Array {
  const head = [MessageType.Sync, SYNC_UPDATE]
  for (let len = update.byteLength; ; len = Math.floor(len / 128)) {
    if (len < 128) {
      head.push(len)
      break
    }
    head.push((len % 128) | 128)
  }
  const frame = new Uint8Array(head.length + update.byteLength)
  frame.set(head)
  frame.set(update, head.length)
  return frame
}

/** Resolves with `performance.now()` once `doc` holds `n` shapes. */
function whenShapes(doc: Y.Doc, n: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (shapesMap(doc).size < n) return false
      clearTimeout(timer)
      doc.off('afterTransaction', check)
      resolve(performance.now())
      return true
    }
    const timer = setTimeout(() => {
      doc.off('afterTransaction', check)
      reject(new Error(`${what}: ${shapesMap(doc).size} of ${n} shapes after ${STEP_TIMEOUT_MS / 1000} s`))
    }, STEP_TIMEOUT_MS)
    if (!check()) doc.on('afterTransaction', check)
  })
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1])
  return kb / 1024
}

type Started = { server: RunningServer; loopDelayMax: () => Promise<number | null> }

async function start(kind: ServerKind, profile: StartOptions): Promise<Started> {
  if (kind === 'reference')
    return { server: await startServer('reference', profile), loopDelayMax: async () => null }
  const easel = await startEasel({ maxPayload: MAX_PAYLOAD }, profile)
  return {
    server: easel,
    // `/api/stats` resets the histogram on each read: read once before a step, once after.
    loopDelayMax: async () =>
      ((await easel.apiStats()) as { eventLoopDelayMs: { max: number } }).eventLoopDelayMs.max,
  }
}

/** Pushes `update` (n shapes) through a writer and waits until a connected peer has it. */
async function pushBoard(
  started: Started,
  room: string,
  n: number,
  update: Uint8Array,
): Promise<{ ms: number; loopDelayMaxMs: number | null; clients: ProtocolClient[] }> {
  const { server } = started
  const peer = await ProtocolClient.connect(server.wsUrl, room, CLIENT)
  const writer = await ProtocolClient.connect(server.wsUrl, room, CLIENT)
  await started.loopDelayMax()
  const arrived = whenShapes(peer.doc, n, `${server.kind} peer of ${room}`)
  const sent = performance.now()
  writer.ws.send(updateFrame(update))
  // The writer's own replica, without sending it again.
  Y.applyUpdate(writer.doc, update, writer)
  const ms = (await arrived) - sent
  return { ms, loopDelayMaxMs: await started.loopDelayMax(), clients: [peer, writer] }
}

/**
 * One cold join: ms from connect until the joiner has received the board (the server's part: the
 * arrival of the frame that completed it) and until its replica holds it (the joiner's decoding
 * too, the same work for both servers).
 */
async function joinOnce(
  server: RunningServer,
  room: string,
  n: number,
): Promise<{ received: number; applied: number }> {
  const t0 = performance.now()
  const joiner = await ProtocolClient.connect(server.wsUrl, room, CLIENT)
  let completedBy = 0
  const onTransaction = () => {
    if (completedBy === 0 && shapesMap(joiner.doc).size >= n) completedBy = joiner.frameAt
  }
  onTransaction()
  joiner.doc.on('afterTransaction', onTransaction)
  try {
    const at = await whenShapes(joiner.doc, n, `${server.kind} joiner of ${room}`)
    return { received: completedBy - t0, applied: at - t0 }
  } finally {
    joiner.doc.off('afterTransaction', onTransaction)
    await joiner.close()
  }
}

async function round(
  kind: ServerKind,
  r: number,
  sizes: Sizes,
  updates: Map<number, Uint8Array>,
  options: BenchOptions,
): Promise<{ imports: ImportResult[]; joins: JoinResult[] }> {
  const started = await start(kind, { cpuProfileDir: options.cpuProfileDir, tag: `bigdoc-r${r}` })
  const imports: ImportResult[] = []
  const joins: JoinResult[] = []
  const open: ProtocolClient[] = []
  try {
    for (const n of sizes.imports) {
      const room = `import-${n}-r${r}`
      const pushed = await pushBoard(started, room, n, updates.get(n)!)
      open.push(...pushed.clients)
      imports.push({
        server: kind,
        round: r,
        shapes: n,
        updateBytes: updates.get(n)!.byteLength,
        ms: pushed.ms,
        loopDelayMaxMs: pushed.loopDelayMaxMs,
      })
      progress(
        `bigdoc ${kind} round ${r}: import of ${n} shapes ${fixed(pushed.ms, 0)} ms` +
          (pushed.loopDelayMaxMs === null
            ? ''
            : `, server loop delay max ${fixed(pushed.loopDelayMaxMs, 0)} ms`),
      )
      if (!sizes.joins.includes(n)) continue
      // The room stays in memory on both servers: the writer and the peer are still connected.
      const ms: number[] = []
      const received: number[] = []
      for (let i = 0; i < sizes.joinRepeats; i++) {
        const join = await joinOnce(started.server, room, n)
        ms.push(join.applied)
        received.push(join.received)
      }
      joins.push({ server: kind, round: r, shapes: n, ms, received })
      progress(
        `bigdoc ${kind} round ${r}: cold joins of ${n} shapes ${ms.map((m) => fixed(m, 0)).join(', ')} ms ` +
          `(received after ${received.map((m) => fixed(m, 0)).join(', ')} ms)`,
      )
    }
  } finally {
    await Promise.all(open.map((c) => c.close()))
    await started.server.stop()
  }
  return { imports, joins }
}

async function memory(kind: ServerKind, r: number, n: number, update: Uint8Array): Promise<MemoryResult> {
  // Never profiled: a profiler's own memory would be counted.
  const started = await start(kind, {})
  const open: ProtocolClient[] = []
  try {
    const pid = started.server.pid
    await sleep(MEMORY_SETTLE_MS)
    const baseMiB = rssMiB(pid)
    open.push(await ProtocolClient.connect(started.server.wsUrl, 'idle', CLIENT))
    await sleep(MEMORY_SETTLE_MS)
    const idleMiB = rssMiB(pid)
    open.push(...(await pushBoard(started, 'big', n, update)).clients)
    await sleep(MEMORY_SETTLE_MS)
    const bigMiB = rssMiB(pid)
    progress(
      `bigdoc ${kind} memory: base ${fixed(baseMiB)} MiB, idle room ${fixed(idleMiB)}, ${n} shapes ${fixed(bigMiB)}`,
    )
    return { server: kind, round: r, baseMiB, idleMiB, bigMiB, shapes: n }
  } finally {
    await Promise.all(open.map((c) => c.close()))
    await started.server.stop()
  }
}

const median = (xs: number[]) => summarize(xs).p50
const ratio = (easel: number | undefined, ref: number | undefined) =>
  easel === undefined || ref === undefined || ref <= 0 ? null : fixed(easel / ref, 2)

async function run(options: BenchOptions) {
  const sizes = options.quick ? QUICK : FULL
  const updates = new Map<number, Uint8Array>()
  for (const n of new Set([...sizes.imports, sizes.memoryShapes])) updates.set(n, boardUpdate(n))
  const imports: ImportResult[] = []
  const joins: JoinResult[] = []
  const memories: MemoryResult[] = []
  for (let r = 1; r <= sizes.rounds; r++) {
    // ABBA order: neither server always goes first.
    const order: ServerKind[] = r % 2 === 1 ? ['reference', 'easel'] : ['easel', 'reference']
    for (const kind of order) {
      const res = await round(kind, r, sizes, updates, options)
      imports.push(...res.imports)
      joins.push(...res.joins)
      memories.push(await memory(kind, r, sizes.memoryShapes, updates.get(sizes.memoryShapes)!))
    }
  }

  const importOf = (kind: ServerKind, r: number, n: number) =>
    imports.find((x) => x.server === kind && x.round === r && x.shapes === n)
  const joinOf = (kind: ServerKind, r: number, n: number) =>
    joins.find((x) => x.server === kind && x.round === r && x.shapes === n)
  const memOf = (kind: ServerKind, r: number) => memories.find((x) => x.server === kind && x.round === r)
  const rounds = Array.from({ length: sizes.rounds }, (_, i) => i + 1)

  const importRows: Cell[][] = []
  for (const n of sizes.imports) {
    for (const r of rounds) {
      const ref = importOf('reference', r, n)
      const easel = importOf('easel', r, n)
      importRows.push([
        n,
        r,
        fixed(updates.get(n)!.byteLength / 2 ** 20, 2),
        fixed(ref?.ms ?? null, 0),
        fixed(easel?.ms ?? null, 0),
        ratio(easel?.ms, ref?.ms),
        fixed(easel?.loopDelayMaxMs ?? null, 0),
      ])
    }
  }
  const joinRows: Cell[][] = []
  for (const n of sizes.joins) {
    for (const r of rounds) {
      const ref = joinOf('reference', r, n)
      const easel = joinOf('easel', r, n)
      const each = (j: JoinResult | undefined) => (j ? j.ms.map((m) => fixed(m, 0)).join(', ') : null)
      joinRows.push([
        n,
        r,
        each(ref),
        each(easel),
        fixed(ref ? median(ref.ms) : null, 0),
        fixed(easel ? median(easel.ms) : null, 0),
        ratio(easel && median(easel.ms), ref && median(ref.ms)),
        fixed(ref ? median(ref.received) : null, 0),
        fixed(easel ? median(easel.received) : null, 0),
        ratio(easel && median(easel.received), ref && median(ref.received)),
      ])
    }
  }
  const memRows: Cell[][] = rounds.flatMap((r) => {
    const ref = memOf('reference', r)
    const easel = memOf('easel', r)
    return [
      [
        'no room',
        r,
        fixed(ref?.baseMiB ?? null),
        fixed(easel?.baseMiB ?? null),
        ratio(easel?.baseMiB, ref?.baseMiB),
      ],
      [
        'idle room, one client',
        r,
        fixed(ref?.idleMiB ?? null),
        fixed(easel?.idleMiB ?? null),
        ratio(easel?.idleMiB, ref?.idleMiB),
      ],
      [
        `room of ${sizes.memoryShapes} shapes`,
        r,
        fixed(ref?.bigMiB ?? null),
        fixed(easel?.bigMiB ?? null),
        ratio(easel?.bigMiB, ref?.bigMiB),
      ],
    ]
  })

  const series = <T extends { server: ServerKind; shapes: number }>(rows: T[], y: (row: T) => number) =>
    (['reference', 'easel'] as const).map((kind) => ({
      label: kind === 'easel' ? 'Easel' : 'stock y-websocket',
      points: [...new Set(rows.map((x) => x.shapes))].map((n): [number, number] => {
        const own = rows.filter((x) => x.server === kind && x.shapes === n).map(y)
        return [n, median(own) / 1000]
      }),
    }))
  const charts: Chart[] = [
    {
      name: 'join',
      title: 'Cold join time against board size (median of every join)',
      xLabel: 'shapes',
      yLabel: 'seconds',
      series: series(
        joins.flatMap((j) => j.ms.map((ms) => ({ server: j.server, shapes: j.shapes, ms }))),
        (x) => x.ms,
      ),
    },
    {
      name: 'import',
      title: 'One update creating N shapes, until a peer has it (median over rounds)',
      xLabel: 'shapes',
      yLabel: 'seconds',
      series: series(imports, (x) => x.ms),
    },
  ]

  return {
    title: 'Big documents: imports, cold joins and memory, Easel vs. the stock y-websocket server',
    description: [
      '- Both servers run on this machine in the same run, one at a time, a fresh process per round, ' +
        'in ABBA order (round 1: reference then Easel; round 2: Easel then reference). Easel: SQLite in a ' +
        `fresh temp dir, the load generator's raised budget, \`--max-payload ${MAX_PAYLOAD}\`; the reference: ` +
        '`@y/websocket-server` in memory.',
      '- **Import.** A peer and a writer (raw-socket Yjs clients from the test kit) join a fresh room; the ' +
        'writer sends ONE sync update creating N shapes of the render benchmark’s generated board in the ' +
        'Easel schema (`generateBoard` + `insertShape` in one transaction: what the client’s import sends). ' +
        'Time from the send until the peer’s replica holds N shapes (its own decoding included, equally for ' +
        'both). For Easel, the server’s event-loop delay max during the import (`/api/stats`).',
      `- **Cold join.** In the import room (writer and peer still connected, so the board is in memory on both ` +
        `servers), a fresh client connects ${sizes.joinRepeats} times in a row; time from connect until its ` +
        'replica holds N shapes, and until it had received them (the arrival of the frame that completed the ' +
        'board: what the server does, without the joiner’s own decoding, which is the same work for both).',
      `- **Memory.** A fresh server: VmRSS after ${MEMORY_SETTLE_MS / 1000} s idle, then with one client in an ` +
        `empty room, then with a second room of ${sizes.memoryShapes} shapes (pushed in one update; its writer ` +
        `and peer stay connected), each read ${MEMORY_SETTLE_MS / 1000} s after the step.`,
    ],
    tables: [
      {
        title: 'One update creating N shapes, until a connected peer has it',
        columns: [
          'shapes',
          'round',
          'update MiB',
          'stock ms',
          'Easel ms',
          'ratio',
          'Easel loop delay max ms',
        ],
        rows: importRows,
      },
      {
        title: `Cold join of a board of N shapes (${sizes.joinRepeats} joins each)`,
        columns: [
          'shapes',
          'round',
          'stock ms (each)',
          'Easel ms (each)',
          'stock median',
          'Easel median',
          'ratio',
          'stock received median',
          'Easel received median',
          'ratio received',
        ],
        rows: joinRows,
      },
      {
        title: 'Server memory (VmRSS, MiB)',
        columns: ['state', 'round', 'stock', 'Easel', 'ratio'],
        rows: memRows,
      },
    ],
    charts,
    notes: [],
    data: { sizes, maxPayload: MAX_PAYLOAD, imports, joins, memories },
  }
}

export const bigdoc: Benchmark = { name: 'bigdoc', run }
