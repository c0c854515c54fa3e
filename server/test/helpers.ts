import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import WebSocket from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { type ConfigInput, createServer, type EaselServer, type ServerDeps } from '../src/index.ts'

export function tempDir(prefix = 'easel-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** A port nobody listens on right now, for a server that must restart where its clients expect it. */
export async function freePort(): Promise<number> {
  const probe = net.createServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()))
  const { port } = probe.address() as net.AddressInfo
  await new Promise((r) => probe.close(r))
  return port
}

/** An in-process server on port 0 with a fresh data dir. */
export async function startServer(config: ConfigInput = {}, deps: ServerDeps = {}): Promise<EaselServer> {
  return createServer(
    {
      port: 0,
      host: '127.0.0.1',
      dataDir: tempDir(),
      logLevel: 'silent',
      clientDir: '/nonexistent',
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

/** Resolves when `predicate` holds, polling; rejects with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
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

const SERVER_MAIN = path.resolve(import.meta.dirname, '../src/main.ts')
/**
 * The server runs as one `node` process with tsx as a loader (not the `tsx` CLI, which forks a
 * child): a SIGKILL must hit the real server, not a wrapper that leaves it running.
 */
export const SERVER_NODE_ARGS = ['--import', 'tsx', SERVER_MAIN]

/** The real server as a child process (for kill -9 and RSS measurements). */
export async function spawnServer(
  dataDir: string,
  extraArgs: string[] = [],
): Promise<{ url: string; proc: ChildProcess; exited: Promise<number | null> }> {
  const args = ['--port', '0', '--host', '127.0.0.1', '--data', dataDir, '--log-level', 'warn', ...extraArgs]
  const proc = spawn(process.execPath, [...SERVER_NODE_ARGS, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: path.resolve(import.meta.dirname, '..'),
  })
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  let stderr = ''
  proc.stderr!.on('data', (d) => {
    stderr += d
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    proc.stdout!.on('data', (d) => {
      out += d
      const m = /Easel listening on (\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)))
  })
  return { url, proc, exited }
}
