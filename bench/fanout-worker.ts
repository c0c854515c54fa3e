/**
 * One driver thread of the fan-out benchmark: hosts a shard of the clients, runs the writers among
 * them on a fixed schedule and records the latency of every change its clients receive. Driven by
 * `fanout.ts` over `parentPort`, one request at a time.
 *
 * Writers are stock y-websocket clients. Every other client is a receiver: a bare socket speaking
 * the sync protocol, with no document of its own. The server sends every receiver the same bytes
 * for an update, so this thread integrates each update once, into one replica, when the first of
 * its receivers gets it, and times each receiver's copy on arrival. A thread of stock clients
 * integrates every update once per client (N Y.Docs): at 200 clients that took 1.5–1.7 of the
 * machine's 2 cores and fell behind its own send schedule, so the latencies measured the driver.
 */
import { performance } from 'node:perf_hooks'
import { parentPort } from 'node:worker_threads'
import { insertShape, shapesMap } from '@easel/shared'
import { RECT } from '@easel/testkit/protocolClient.ts'
import { sleep } from '@easel/testkit/waitFor.ts'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'

export type WorkerRequest =
  | {
      t: 'connect'
      wsUrl: string
      room: string
      /** Global client indices hosted by this thread; clients `0 … writers-1` write. */
      clients: number[]
      writers: number
      /** Updates per second per writer. */
      rate: number
      syncTimeoutMs: number
    }
  | {
      /** Absolute times on the shared clock (`performance.timeOrigin + performance.now()`). */
      t: 'write'
      start: number
      measureStart: number
      measureEnd: number
    }
  | {
      /** Waits for `expected` deliveries, giving up after `stallMs` without one or `maxMs` in all. */
      t: 'drain'
      expected: number
      stallMs: number
      maxMs: number
    }
  | { t: 'close' }

export type WorkerReply =
  | { t: 'connected' }
  | { t: 'written'; sent: number; skippedTicks: number }
  | { t: 'drained'; latencies: Float64Array; disconnects: number }
  | { t: 'closed' }
  | { t: 'error'; message: string }

/**
 * What a writer writes: a shape of its own (`fan<w>`), changed the way the editor changes one, as
 * the server accepts only valid shapes. Per update, in one transaction: `rotation` carries the send
 * time (`performance.timeOrigin + performance.now()`, a finite number the schema does not bound),
 * `points` the sequence number and whether it was sent inside the measurement window (warm-up
 * updates are not counted), `createdBy` the filler.
 */
const shapeId = (w: number) => `fan${w}`

type Client = {
  index: number
  doc: Y.Doc
  provider: WebsocketProvider
  shapes: Y.Map<Y.Map<unknown>>
}

/** A client that only receives: a socket, no document (see the file comment). */
type Receiver = { index: number; ws: WebSocket; synced: boolean }

/** y-protocols' message type and sync steps. */
const MESSAGE_SYNC = 0
const SYNC_STEP_1 = 0
const SYNC_STEP_2 = 1
const SYNC_UPDATE = 2

/** A receiver's sync step 1: it has nothing, so the server answers with the whole document. */
const EMPTY_STEP_1 = (() => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_SYNC)
  encoding.writeVarUint(encoder, SYNC_STEP_1)
  encoding.writeVarUint8Array(encoder, Y.encodeStateVector(new Y.Doc()))
  return encoding.toUint8Array(encoder)
})()

/** This thread's one copy of the room, fed by its receivers. */
const replica = new Y.Doc()
/** Counted send times of the update being integrated into the replica (see `replicaTimes`). */
let integrating: number[] = []
/**
 * Per update (its bytes as a latin1 string): the counted send times it carries, and how many of
 * this thread's receivers have yet to get it. Dropped once all have.
 */
const updates = new Map<string, { times: number[]; left: number }>()

/** Filler so that an update is in the size range of a small drawing edit (~130 bytes on the wire). */
const PADDING = 'x'.repeat(64)

/** Writes writer `w`'s next update into its shape (created by its first update). */
function writeShape(client: Client, w: number, seq: number, t: number, m: boolean): void {
  const shape = client.shapes.get(shapeId(w))
  const values = { rotation: t, points: [seq, m ? 1 : 0], createdBy: PADDING }
  if (!shape) {
    insertShape(client.doc, shapeId(w), { ...RECT, x: w * 10, ...values })
    return
  }
  client.doc.transact(() => {
    for (const [k, v] of Object.entries(values)) shape.set(k, v)
  })
}

/** The send time of a writer's shape if its last update is one to count, else null. */
function measuredSendTime(shape: Y.Map<unknown> | undefined): number | null {
  const points = shape?.get('points')
  const t = shape?.get('rotation')
  if (!Array.isArray(points) || points[1] !== 1 || typeof t !== 'number') return null
  return t
}

/** The shared clock: consistent across worker threads of one process to a few microseconds. */
const now = () => performance.timeOrigin + performance.now()

const port = parentPort
if (!port) throw new Error('fanout-worker.ts must run in a worker thread')

let clients: Client[] = []
let receivers: Receiver[] = []
let writers = 0
let rate = 1
let latencies: number[] = []
let disconnects = 0

/** The counted send times of the writers' shapes a transaction's events changed. */
function changedSendTimes(
  shapes: Y.Map<Y.Map<unknown>>,
  events: Y.YEvent<Y.AbstractType<unknown>>[],
): number[] {
  const changed = new Set<string>()
  for (const event of events) {
    if (event.target === shapes) for (const key of event.keys.keys()) changed.add(key)
    else if (typeof event.path[0] === 'string') changed.add(event.path[0])
  }
  const times: number[] = []
  for (const id of changed) {
    const t = measuredSendTime(shapes.get(id))
    if (t !== null) times.push(t)
  }
  return times
}

shapesMap(replica).observeDeep((events) => {
  integrating.push(...changedSendTimes(shapesMap(replica), events))
})

/** Handles one frame a receiver got at `at`: a sync step 2 ends its join, and updates are timed. */
function receive(r: Receiver, data: Uint8Array, at: number): void {
  const decoder = decoding.createDecoder(data)
  if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return // awareness: not measured
  const step = decoding.readVarUint(decoder)
  if (step !== SYNC_STEP_2 && step !== SYNC_UPDATE) return // the server's step 1: nothing to send back
  const update = decoding.readVarUint8Array(decoder)
  if (step === SYNC_STEP_2) {
    // The whole document, different for each joiner: integrated, never counted.
    Y.applyUpdate(replica, update)
    r.synced = true
    return
  }
  const key = Buffer.from(update.buffer, update.byteOffset, update.byteLength).toString('latin1')
  let entry = updates.get(key)
  if (!entry) {
    integrating = []
    Y.applyUpdate(replica, update)
    entry = { times: integrating, left: receivers.length }
    updates.set(key, entry)
  }
  for (const t of entry.times) latencies.push(at - t)
  if (--entry.left === 0) updates.delete(key)
}

async function connect(req: Extract<WorkerRequest, { t: 'connect' }>): Promise<WorkerReply> {
  writers = req.writers
  rate = req.rate
  const url = `${req.wsUrl}/${req.room}`
  // Each provider adds a process `exit` listener; that many are expected, not a leak.
  process.setMaxListeners(Math.max(process.getMaxListeners(), req.clients.length + 10))
  clients = req.clients
    .filter((index) => index < writers)
    .map((index) => {
      const doc = new Y.Doc()
      const provider = new WebsocketProvider(req.wsUrl, req.room, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
      })
      return { index, doc, provider, shapes: shapesMap(doc) }
    })
  receivers = req.clients
    .filter((index) => index >= writers)
    .map((index) => {
      const r: Receiver = { index, ws: new WebSocket(url), synced: false }
      r.ws.binaryType = 'nodebuffer'
      r.ws.on('open', () => r.ws.send(EMPTY_STEP_1))
      r.ws.on('message', (data: Buffer) => receive(r, data, now()))
      r.ws.on('close', () => {
        if (r.synced) disconnects++
      })
      r.ws.on('error', () => {})
      return r
    })
  const deadline = performance.now() + req.syncTimeoutMs
  while (clients.some((c) => !c.provider.synced) || receivers.some((r) => !r.synced)) {
    if (performance.now() > deadline) {
      const synced =
        clients.filter((c) => c.provider.synced).length + receivers.filter((r) => r.synced).length
      throw new Error(`only ${synced}/${req.clients.length} clients synced after ${req.syncTimeoutMs} ms`)
    }
    await sleep(10)
  }
  for (const client of clients) {
    client.provider.on('connection-close', () => disconnects++)
    client.shapes.observeDeep((events, tr) => {
      if (tr.local) return
      const at = now()
      for (const t of changedSendTimes(client.shapes, events)) latencies.push(at - t)
    })
  }
  return { t: 'connected' }
}

/** Runs this thread's writers from `start` until `measureEnd`. */
async function write(req: Extract<WorkerRequest, { t: 'write' }>): Promise<WorkerReply> {
  const period = 1000 / rate
  let sent = 0
  let skippedTicks = 0
  const timers = new Set<NodeJS.Timeout>()
  const runWriter = (client: Client) =>
    new Promise<void>((resolve) => {
      const w = client.index
      // Writers are spread evenly over one period so that the room sees a steady stream.
      const due = (tick: number) => req.start + (w * period) / writers + tick * period
      let tick = 0
      let seq = 0
      let timer: NodeJS.Timeout
      const fire = () => {
        timers.delete(timer)
        const t = now()
        if (t >= req.measureEnd) {
          resolve()
          return
        }
        const m = t >= req.measureStart
        writeShape(client, w, seq++, t, m)
        if (m) sent++
        // Fixed schedule; if the thread is more than a period late, skip ticks instead of bursting.
        tick++
        const behind = Math.floor((now() - due(tick)) / period)
        if (behind > 0) {
          tick += behind
          skippedTicks += behind
        }
        timer = setTimeout(fire, Math.max(0, due(tick) - now()))
        timers.add(timer)
      }
      timer = setTimeout(fire, Math.max(0, due(0) - now()))
      timers.add(timer)
    })
  try {
    await Promise.all(clients.filter((c) => c.index < writers).map(runWriter))
  } finally {
    for (const timer of timers) clearTimeout(timer)
  }
  return { t: 'written', sent, skippedTicks }
}

async function drain(req: Extract<WorkerRequest, { t: 'drain' }>): Promise<WorkerReply> {
  const deadline = now() + req.maxMs
  let seen = latencies.length
  let lastProgress = now()
  while (latencies.length < req.expected && now() < deadline && now() - lastProgress < req.stallMs) {
    await sleep(5)
    if (latencies.length > seen) {
      seen = latencies.length
      lastProgress = now()
    }
  }
  const out = Float64Array.from(latencies)
  latencies = []
  return { t: 'drained', latencies: out, disconnects }
}

function close(): WorkerReply {
  for (const client of clients) {
    client.provider.destroy()
    // The provider leaves its awareness (and that one's 3 s timer) alive.
    client.provider.awareness.destroy()
    client.doc.destroy()
  }
  for (const r of receivers) {
    r.synced = false
    r.ws.terminate()
  }
  clients = []
  receivers = []
  updates.clear()
  return { t: 'closed' }
}

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  switch (req.t) {
    case 'connect':
      return connect(req)
    case 'write':
      return write(req)
    case 'drain':
      return drain(req)
    case 'close':
      return close()
  }
}

port.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (reply) => {
      const transfer = reply.t === 'drained' ? [reply.latencies.buffer as ArrayBuffer] : []
      port.postMessage(reply, transfer)
      if (reply.t === 'closed') port.close()
    },
    (err: unknown) => port.postMessage({ t: 'error', message: String((err as Error).stack ?? err) }),
  )
})
