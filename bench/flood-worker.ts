/**
 * The flooders of `flood.ts`, in a thread of their own so that their work does not delay the
 * event loop that times room A's round trips. Started with `{ t: 'start', wsUrl, room }`, stopped
 * with `{ t: 'stop' }` (answered with what they sent and the close codes they saw).
 */
import type net from 'node:net'
import { performance } from 'node:perf_hooks'
import { parentPort } from 'node:worker_threads'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { insertShape, MessageType, shapesMap } from '@easel/shared'
import { ProtocolClient, RECT } from '@easel/testkit/protocolClient.ts'
import { sleep } from '@easel/testkit/waitFor.ts'
import { DEFAULTS, FLOOD_POINTS, UNDER_BUDGET } from './floodBudget.ts'
import { LOAD_CLIENT } from './servers.ts'

export type FloodRequest = { t: 'start'; wsUrl: string; room: string } | { t: 'stop' }
export type FloodSent = { updates: number; awareness: number; syncRequests: number }
export type FloodReply =
  | { t: 'started' }
  | { t: 'stopped'; sent: FloodSent; closes: [number, number][] }
  | { t: 'error'; message: string }

/** lib0's variable-length unsigned integer, as every y-websocket frame uses it. */
function varUint(n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) {
    out.push(0x80 | (n & 0x7f))
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}
const varBytes = (bytes: Uint8Array) => [...varUint(bytes.length), ...bytes]

/** Sync step 1 with an empty state vector: "send me the whole document". */
const WHOLE_DOC_REQUEST = Uint8Array.from([
  MessageType.Sync,
  0,
  ...varBytes(Y.encodeStateVector(new Y.Doc())),
])

/** An awareness frame announcing one client's state (the y-protocols awareness encoding). */
function awarenessFrame(clientId: number, clock: number, state: unknown): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(state))
  const update = Uint8Array.from([...varUint(1), ...varUint(clientId), ...varUint(clock), ...varBytes(json)])
  return Uint8Array.from([MessageType.Awareness, ...varBytes(update)])
}

async function openSocket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false })
  ws.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return ws
}

/** Close codes the flooders saw, by code. */
type Closes = Map<number, number>
const countClose = (closes: Closes, code: number) => closes.set(code, (closes.get(code) ?? 0) + 1)

type Flood = { stop(): Promise<void>; sent: FloodSent }

/** A raw socket whose close code is counted in `closes` once it closes. */
async function openCounted(url: string, closes: Closes) {
  const ws = await openSocket(url)
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)))
  let open = true
  void closed.then((code) => {
    open = false
    countClose(closes, code)
  })
  return { ws, closed, isOpen: () => open }
}

/** Starts the three flooders in `room`; `stop` ends them and resolves once their sockets are gone. */
function startFlood(wsUrl: string, room: string, closes: Closes): Flood {
  let running = true
  const sent: FloodSent = { updates: 0, awareness: 0, syncRequests: 0 }
  const url = `${wsUrl}/${room}`
  const loops: Promise<void>[] = []
  /** FLOOD_ONLY=updater|awareness|reader runs one flooder alone (to see which one costs what). */
  const only = process.env.FLOOD_ONLY
  const runs = (name: string) => only === undefined || only === name

  // The updater: frames at just under the frame rate, each about rate-in-bytes / frame-rate long.
  if (runs('updater'))
    loops.push(
      (async () => {
        let n = 0
        while (running) {
          const c = await ProtocolClient.connect(wsUrl, room, { ...LOAD_CLIENT, name: 'updater' })
          insertShape(c.doc, `flood${n++}`, RECT)
          const shape = [...shapesMap(c.doc).values()].at(-1)!
          const perMs = (DEFAULTS.rateLimitPerSec * UNDER_BUDGET) / 1000
          const start = performance.now()
          let mine = 0
          while (running && c.closeCode === null) {
            const due = Math.floor((performance.now() - start) * perMs)
            for (; mine < due && c.closeCode === null; mine++) {
              const base = mine % 1000
              shape.set(
                'points',
                Array.from({ length: FLOOD_POINTS }, (_, i) => base + i * 0.37),
              )
              sent.updates++
            }
            await sleep(5)
          }
          if (c.closeCode !== null) countClose(closes, c.closeCode)
          c.terminate()
        }
      })(),
    )

  // The awareness flooder: as fast as its socket takes frames.
  if (runs('awareness'))
    loops.push(
      (async () => {
        const clientId = Math.floor(Math.random() * 2 ** 31)
        let tick = 0
        while (running) {
          const { ws, closed, isOpen } = await openCounted(url, closes)
          while (running && isOpen()) {
            for (let i = 0; i < 50 && ws.bufferedAmount < 1024 * 1024; i++) {
              tick++
              ws.send(awarenessFrame(clientId, tick, { cursor: { x: tick, y: tick } }))
              sent.awareness++
            }
            await new Promise((r) => setImmediate(r))
          }
          ws.terminate()
          await closed
        }
      })(),
    )

  // The client that never reads: whole-document requests, within the frame budget.
  if (runs('reader'))
    loops.push(
      (async () => {
        while (running) {
          const { ws, closed, isOpen } = await openCounted(url, closes)
          // `ws` has no pause of its own; its socket does.
          ;(ws as unknown as { _socket: net.Socket })._socket.pause()
          while (running && isOpen()) {
            for (let i = 0; i < 10; i++) ws.send(WHOLE_DOC_REQUEST)
            sent.syncRequests += 10
            await sleep(1000 / (DEFAULTS.rateLimitPerSec / 10) / UNDER_BUDGET)
          }
          ws.terminate()
          await closed
        }
      })(),
    )

  return {
    sent,
    stop: async () => {
      running = false
      await Promise.all(loops)
    },
  }
}

const port = parentPort
if (!port) throw new Error('flood-worker.ts must run in a worker thread')
let flood: Flood | null = null
const closes: Closes = new Map()
port.on('message', (req: FloodRequest) => {
  const reply = (r: FloodReply) => port.postMessage(r)
  if (req.t === 'start') {
    flood = startFlood(req.wsUrl, req.room, closes)
    reply({ t: 'started' })
    return
  }
  const running = flood
  flood = null
  if (!running) {
    reply({ t: 'error', message: 'not flooding' })
    return
  }
  running.stop().then(
    () => reply({ t: 'stopped', sent: running.sent, closes: [...closes] }),
    (err: Error) => reply({ t: 'error', message: err.stack ?? String(err) }),
  )
})
