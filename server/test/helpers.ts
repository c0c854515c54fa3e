import { ProtocolClient, type ConnectOptions } from '@easel/testkit/protocolClient.ts'
import { tempDir } from '@easel/testkit/serverProcess.ts'
import { afterEach } from 'vitest'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { type ConfigInput, createServer, type EaselServer, type ServerDeps } from '../src/index.ts'

/** An in-process server on port 0 with a fresh data dir. */
export async function startServer(config: ConfigInput = {}, deps: ServerDeps = {}): Promise<EaselServer> {
  return createServer(
    {
      port: 0,
      host: '127.0.0.1',
      dataDir: tempDir(),
      logLevel: 'silent',
      clientDir: '/nonexistent',
      // Tests open and close sockets from 127.0.0.1 far faster than any user: the new-socket budget
      // per address is raised unless a test sets it (budget.test.ts does).
      connectRatePerIp: 10_000,
      connectBurstPerIp: 10_000,
      // Most tests check what a room leaves on disk once its last client is gone: unload at once
      // (the server's default keeps an empty room 15 s, so a reconnect or reload does not reload it).
      unloadDelayMs: 0,
      ...config,
    },
    deps,
  )
}

export function wsUrl(server: { url: string }): string {
  return `${server.url.replace(/^http/, 'ws')}/ws`
}

type Close = { code: number; reason: string }

/**
 * A stock y-websocket client (the library's own provider, not project code), recording every
 * close the server sent it (`closes`; `closed` resolves with the first).
 */
export function stockClient(
  serverWsUrl: string,
  room: string,
  doc = new Y.Doc(),
  options: { WebSocketPolyfill?: typeof globalThis.WebSocket; maxBackoffTime?: number } = {},
) {
  const provider = new WebsocketProvider(serverWsUrl, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    ...options,
  })
  const closes: Close[] = []
  let firstClose!: (c: Close) => void
  const closed = new Promise<Close>((r) => {
    firstClose = r
  })
  provider.on('connection-close', (ev) => {
    if (!ev) return
    closes.push({ code: ev.code, reason: ev.reason })
    firstClose(closes[0]!)
  })
  const synced = new Promise<void>((resolve) => {
    if (provider.synced) resolve()
    else provider.once('sync', (s: boolean) => s && resolve())
  })
  return { doc, provider, synced, closes, closed, destroy: () => provider.destroy() }
}

/** A raw socket to a room, for sending hand-made frames. */
export async function rawSocket(serverWsUrl: string, room: string): Promise<WebSocket> {
  const ws = new WebSocket(`${serverWsUrl}/${room}`)
  ws.binaryType = 'arraybuffer'
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return ws
}

export function closeCode(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
}

/**
 * One server per test and what the test opened on it (sockets, protocol clients), all closed
 * after each test. A test sets `server` (usually with `startServer`).
 */
export function perTest() {
  const opened: { terminate(): void }[] = []
  const harness = {
    server: undefined as EaselServer | undefined,
    /** Terminates `socket` (a ws or a ProtocolClient) after the test. */
    track<T extends { terminate(): void }>(socket: T): T {
      opened.push(socket)
      return socket
    },
    /** A protocol client on the test's server (hello and initial sync done). */
    async connect(room: string, options: ConnectOptions = {}): Promise<ProtocolClient> {
      return harness.track(await ProtocolClient.connect(wsUrl(harness.server!), room, options))
    },
    /** An open raw socket to a room of the test's server (errors are the test's to read). */
    async raw(room: string, headers: Record<string, string> = {}): Promise<WebSocket> {
      const ws = harness.track(new WebSocket(`${wsUrl(harness.server!)}/${room}`, { headers }))
      ws.binaryType = 'arraybuffer'
      ws.on('error', () => {})
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve())
        ws.once('error', reject)
      })
      return ws
    },
  }
  afterEach(async () => {
    for (const socket of opened.splice(0)) socket.terminate()
    await harness.server?.close()
    harness.server = undefined
  })
  return harness
}
