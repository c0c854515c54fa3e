/**
 * The servers under test as child processes on 127.0.0.1: Easel through the test kit's
 * `spawnServer`, and the stock `@y/websocket-server` script for comparison.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { AuthorityStats } from '@easel/server'
import type { ConnectOptions } from '@easel/testkit/protocolClient.ts'
import {
  builtServer,
  freePort,
  type ReadyProcess,
  SERVER_DIR,
  spawnReady,
  spawnServer,
  tempDir,
} from '@easel/testkit/serverProcess.ts'
import { processCpuMs } from './measure.ts'

/** The stock y-websocket server script, by its real path so that its own dependencies resolve. */
const REFERENCE_MAIN = fs.realpathSync(
  path.join(import.meta.dirname, 'node_modules/@y/websocket-server/src/server.js'),
)

export type ServerKind = 'reference' | 'easel'

/**
 * How the commit and lock benchmarks connect: without compression, and a load generator ignores
 * the room's Yjs updates after the initial sync. One observer per room applies everything and
 * stands for "another user".
 */
export const LOAD_CLIENT: ConnectOptions = { perMessageDeflate: false, applyUpdates: false }
export const OBSERVER: ConnectOptions = { perMessageDeflate: false, applyUpdates: true }

export type StartOptions = {
  /** Write V8 CPU profiles (one per thread) into `<cpuProfileDir>/<kind>-<tag>/` on exit. */
  cpuProfileDir?: string
  tag?: string
}

export type RunningServer = {
  kind: ServerKind
  /** `serverUrl` for a `WebsocketProvider`: it connects to `${wsUrl}/${room}`. */
  wsUrl: string
  pid: number
  /** User + system CPU time of the process so far in ms; null where /proc is unavailable. */
  cpuMs(): number | null
  /** SIGTERM, then SIGKILL after a timeout; resolves once the process is gone. */
  stop(): Promise<void>
}

/** Easel server settings, passed as the environment variables `server/src/config.ts` reads. */
export type EaselSettings = {
  leaseTtlMs?: number
  leaseIdleMs?: number
  /**
   * `raised` (the default): the per-connection rate limits and the connection and room caps out
   * of the way, since a load generator opens hundreds of sockets from one address and sends far
   * more than one user; `defaults`: the budget the server ships with (what the flood benchmark
   * measures).
   */
  budget?: 'raised' | 'defaults'
  /** Largest WebSocket frame in bytes (`--max-payload`; the server's default is 4 MiB). */
  maxPayload?: number
  /** `false`: counters, `/metrics` and the dashboard off (`METRICS=false`); default on. */
  metrics?: boolean
  /** Writes to a socket at most once per this many ms (`--flush-interval-ms`; the server's default is 0). */
  flushIntervalMs?: number
}

/** Flags that take the budget out of a load generator's way (see `EaselSettings.budget`). */
const RAISED_BUDGET = [
  ...['--rate-limit-per-sec', '100000', '--rate-limit-burst', '100000'],
  ...['--rate-limit-bytes-per-sec', String(2 ** 40), '--rate-limit-bytes-burst', String(2 ** 40)],
  ...['--max-connections', '100000', '--max-connections-per-ip', '100000', '--max-rooms', '100000'],
  ...['--connect-rate-per-ip', '100000', '--connect-burst-per-ip', '100000'],
]

export type EaselUnderTest = RunningServer & {
  /** `http://host:port` of the server. */
  httpUrl: string
  /** The server's own commit and lease counters (`GET /api/stats`). */
  stats(): Promise<AuthorityStats>
  /** All of `GET /api/stats` (rooms, connections, RSS, limit trips, …). */
  apiStats(): Promise<Record<string, unknown>>
  /** The bearer token of its admin endpoints (`/api/stats`, `/metrics`). */
  adminToken: string
}

/** A server under test; `easel` applies to Easel only. */
export function startServer(
  kind: ServerKind,
  options: StartOptions = {},
  easel: EaselSettings = {},
): Promise<RunningServer> {
  return kind === 'easel' ? startEasel(easel, options) : startReference(options)
}

function running(kind: ServerKind, wsUrl: string, child: ReadyProcess): RunningServer {
  const pid = child.proc.pid!
  // Anything a server prints during a run (warnings, errors) is worth seeing.
  for (const stream of [child.proc.stdout!, child.proc.stderr!]) {
    stream.on('data', (d: Buffer) => {
      const text = String(d).replace(/^Easel listening on .*\n/m, '')
      if (text) process.stderr.write(`[${kind} ${pid}] ${text}`)
    })
  }
  return { kind, wsUrl, pid, cpuMs: () => processCpuMs(pid), stop: () => child.stop() }
}

/** How the reports name the Easel under test. */
export const EASEL_BUILD = 'the production build `server/dist/main.js`, as `pnpm start` runs it'

/** Easel's production build, SQLite in a fresh temp dir, the budget out of the way unless asked for. */
export async function startEasel(
  settings: EaselSettings = {},
  options: StartOptions = {},
): Promise<EaselUnderTest> {
  const dataDir = tempDir('easel-bench-')
  // `/api/stats` is an admin endpoint: a fresh token per run.
  const adminToken = randomBytes(24).toString('base64url')
  const env: Record<string, string> = { ADMIN_TOKEN: adminToken }
  if (settings.leaseTtlMs !== undefined) env.LEASE_TTL_MS = String(settings.leaseTtlMs)
  if (settings.leaseIdleMs !== undefined) env.LEASE_IDLE_MS = String(settings.leaseIdleMs)
  if (settings.maxPayload !== undefined) env.MAX_PAYLOAD = String(settings.maxPayload)
  if (settings.metrics === false) env.METRICS = 'false'
  if (settings.flushIntervalMs !== undefined) env.FLUSH_INTERVAL_MS = String(settings.flushIntervalMs)
  const child = await spawnServer(dataDir, settings.budget === 'defaults' ? [] : RAISED_BUDGET, {
    env,
    nodeArgs: profileArgs('easel', options),
    main: builtServer(),
  })
  const server = running('easel', child.wsUrl, child)
  const apiStats = async () => {
    const res = await fetch(`${child.url}/api/stats`, {
      headers: { authorization: `Bearer ${adminToken}` },
      signal: AbortSignal.timeout(5_000),
    })
    if (!res.ok) throw new Error(`GET /api/stats: ${res.status}`)
    return (await res.json()) as Record<string, unknown>
  }
  return {
    ...server,
    httpUrl: child.url,
    adminToken,
    stop: async () => {
      await server.stop()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
    stats: async () => ((await apiStats()) as { authority: AuthorityStats }).authority,
    apiStats,
  }
}

/** `@y/websocket-server`'s own entry script, in memory only (no YPERSISTENCE, no callback). */
async function startReference(options: StartOptions): Promise<RunningServer> {
  const port = await freePort()
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: String(port) }
  for (const name of ['YPERSISTENCE', 'CALLBACK_URL', 'GC']) delete env[name]
  const profile = profileArgs('reference', options)
  // The stock script has no SIGTERM handler; a profile is only written on an orderly exit.
  const onTerm =
    profile.length > 0 ? ['--import', 'data:text/javascript,process.on("SIGTERM",()=>process.exit(0))'] : []
  // It answers every plain HTTP request with 200 "okay".
  const child = await spawnReady([...onTerm, ...profile, REFERENCE_MAIN], {
    cwd: path.dirname(REFERENCE_MAIN),
    env,
    readyUrl: `http://127.0.0.1:${port}/`,
  })
  return running('reference', `ws://127.0.0.1:${port}`, child)
}

function profileArgs(kind: ServerKind, options: StartOptions): string[] {
  if (!options.cpuProfileDir) return []
  // One directory per server: V8 writes a profile per thread (Easel's module loader hooks run in
  // one of their own), so a fixed file name would let the last thread overwrite the main one.
  const dir = path.join(options.cpuProfileDir, `${kind}-${options.tag ?? process.hrtime.bigint().toString()}`)
  fs.mkdirSync(dir, { recursive: true })
  return ['--cpu-prof', '--cpu-prof-dir', dir]
}

/** Version of `name` as Node would resolve it from `fromDir` (ignoring `exports`). */
function packageVersion(name: string, fromDir: string): string {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', name, 'package.json')
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version
    if (path.dirname(dir) === dir) return 'not found'
  }
}

/** What each server runs on, for the report header. */
export function serverVersions(): Record<ServerKind, Record<string, string>> {
  const refDir = path.dirname(REFERENCE_MAIN)
  return {
    reference: {
      '@y/websocket-server': packageVersion('@y/websocket-server', import.meta.dirname),
      yjs: packageVersion('yjs', refDir),
      'y-protocols': packageVersion('y-protocols', refDir),
      ws: packageVersion('ws', refDir),
    },
    easel: {
      yjs: packageVersion('yjs', SERVER_DIR),
      'y-protocols': packageVersion('y-protocols', SERVER_DIR),
      ws: packageVersion('ws', SERVER_DIR),
    },
  }
}
