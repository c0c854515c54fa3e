import fs from 'node:fs'
import http from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import path from 'node:path'
import express from 'express'
import pino, { type Logger } from 'pino'
import { type WebSocket, WebSocketServer } from 'ws'
import {
  type Authority,
  CloseCode,
  isValidRoomId,
  MemoryAuthority,
  shapesMap,
  WS_PATH_PREFIX,
} from '@easel/shared'
import { type Config, type ConfigInput, configSchema } from './config.ts'
import { AccessControl } from './access/AccessControl.ts'
import { AccessExtension } from './access/AccessExtension.ts'
import { type AccessStore, MemoryAccessStore, SqliteAccessStore } from './access/AccessStore.ts'
import { accessRoutes, adminOnly } from './access/http.ts'
import { originAllowed } from './access/origin.ts'
import { deriveKey, loadSecret } from './access/secret.ts'
import { LinkTokens, REFUSALS } from './access/tokens.ts'
import { SessionKeys } from './authority/identity.ts'
import { Connection } from './Connection.ts'
import { Limits } from './limits.ts'
import { FlushQueue, Outbox, type RawSocket } from './Outbox.ts'
import { TokenBucket } from './rateLimit.ts'
import type { Extension } from './Extension.ts'
import type { Persistence } from './persistence/Persistence.ts'
import { SqlitePersistence } from './persistence/SqlitePersistence.ts'
import { Rooms } from './Rooms.ts'
import { AuthorityExtension } from './authority/AuthorityExtension.ts'
import { SqliteAuthority } from './authority/SqliteAuthority.ts'
import { Dashboard } from './observability/dashboard.ts'
import { PrometheusMetrics } from './observability/prometheus.ts'
import { type Meter, NOOP_METER, Telemetry } from './observability/telemetry.ts'

export type EaselServer = {
  readonly config: Config
  readonly http: http.Server
  readonly rooms: Rooms
  readonly persistence: Persistence
  readonly authority: AuthorityExtension
  /** Boards' access modes, key epochs and owners; signs and checks their links. */
  readonly access: AccessControl
  readonly log: Logger
  /** Trips of every limit, by name. */
  readonly limits: Limits
  /** What the server counts (null with `metrics: false`). */
  readonly telemetry: Telemetry | null
  /** The admin dashboard's sampler (null with `metrics: false`). */
  readonly dashboard: Dashboard | null
  /** The signing secret (configured, or generated into the data directory on first start). */
  readonly secret: Uint8Array
  /** Actual port (useful with port 0). */
  readonly port: number
  /** `http://host:port` for browsers, with a loopback host when listening on all interfaces. */
  readonly url: string
  /** `http://host:port` of the separate `/metrics` listener (`metricsListen`), or null. */
  readonly metricsUrl: string | null
  /** Live connection count. */
  connections(): number
  /** Stops accepting, closes every socket with 1001, flushes rooms and storage. */
  close(): Promise<void>
}

export type ServerDeps = {
  /** Extra extensions, run after the built-in authority. */
  extensions?: Extension[]
  /**
   * Where documents and commits are stored. Defaults to one SQLite file in `dataDir` holding
   * both; given only `persistence`, the authority is kept in memory.
   */
  persistence?: Persistence
  authority?: Authority
  log?: Logger
  /** The monotonic clock leases are timed on, in ms (default `performance.now`). */
  leaseClock?: () => number
}

type Storage = {
  persistence: Persistence
  authority: Authority
  access: AccessStore
  /** A cheap query of the store, for `/readyz`: throws (or rejects) when it does not answer. */
  probe(): unknown
}

/**
 * The default stores: documents, the authority and board access in one SQLite file, or what
 * `deps` gives (then the authority and access settings are kept in memory).
 */
function openStorage(config: Config, deps: ServerDeps): Storage {
  const lease = { ttlMs: config.leaseTtlMs, idleMs: config.leaseIdleMs }
  if (deps.persistence) {
    return {
      persistence: deps.persistence,
      authority: deps.authority ?? new MemoryAuthority(lease),
      access: new MemoryAccessStore(),
      probe: () => deps.persistence!.logLength('readyz'),
    }
  }
  const sqlite = new SqlitePersistence(path.join(config.dataDir, 'easel.sqlite'), {
    synchronous: config.sqliteSync,
  })
  return {
    persistence: sqlite,
    authority: deps.authority ?? new SqliteAuthority(sqlite.db, lease),
    access: new SqliteAccessStore(sqlite.db),
    probe: () => sqlite.db.prepare('SELECT 1').get(),
  }
}

/** Creates and starts the server: express for HTTP, ws for room sockets, on one port. */
export async function createServer(input: ConfigInput = {}, deps: ServerDeps = {}): Promise<EaselServer> {
  const config = configSchema.parse(input)
  const log = deps.log ?? pino({ level: config.logLevel })
  const limits = new Limits()
  /** Signs share links and resume secrets (derive a key per purpose with `deriveKey`). */
  const secret = loadSecret(config.secret, config.dataDir)
  const { persistence, authority, access: accessStore, probe } = openStorage(config, deps)
  const telemetry = config.metrics ? new Telemetry() : null
  const meter: Meter = telemetry ?? NOOP_METER
  const access = new AccessControl(accessStore, new LinkTokens(secret), config.access)
  const lease = { ttlMs: config.leaseTtlMs, idleMs: config.leaseIdleMs }
  /** Issues and checks session ids and their resume secrets. */
  const sessions = new SessionKeys(deriveKey(secret, 'resume'))
  const authorityExtension = new AuthorityExtension(authority, lease, {
    sessions,
    recordTtlMs: config.commitRecordTtlMs,
    maxLeasesPerSession: config.maxLeasesPerSession,
    meter,
    log,
    now: deps.leaseClock,
  })
  // Access first: a socket is admitted (or made view-only) before anything else sees it.
  const extensions: Extension[] = [
    new AccessExtension(access),
    authorityExtension,
    ...(deps.extensions ?? []),
  ]
  const rooms = new Rooms(persistence, {
    compactAfter: config.compactAfter,
    maxRooms: config.maxRooms,
    maxDocBytes: config.maxDocBytes,
    limits,
    lease,
    unloadDelayMs: config.unloadDelayMs,
    log,
    extensions,
    sessions,
    meter,
    awareness: {
      maxBytes: config.awarenessMaxBytes,
      maxIds: config.awarenessMaxIds,
      perSec: config.awarenessPerSec,
      burst: config.awarenessBurst,
    },
  })
  /** Every open room socket, with whether it answered the last ping. */
  const connections = new Map<Connection, { ws: WebSocket; alive: boolean }>()
  const dashboard = telemetry
    ? new Dashboard(
        telemetry,
        limits,
        () => ({ rooms: rooms.size, users: connections.size }),
        config.dashboardIntervalMs,
      )
    : null
  const prometheus = telemetry
    ? new PrometheusMetrics(telemetry, limits, () => ({ rooms: rooms.size, connections: connections.size }))
    : null
  const serveMetrics = async (_req: express.Request, res: express.Response) => {
    if (!prometheus) {
      res.status(404).type('text').send('metrics are off\n')
      return
    }
    res.setHeader('Content-Type', prometheus.contentType)
    res.send(await prometheus.text())
  }
  // On its own address (for a scraper on a private network) without the token; else on the
  // main port with it.
  let metricsServer: http.Server | null = null
  if (config.metricsListen !== undefined) {
    const metricsApp = express()
    metricsApp.disable('x-powered-by')
    metricsApp.get('/metrics', serveMetrics)
    metricsServer = http.createServer(metricsApp)
  }

  const app = express()
  app.disable('x-powered-by')
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true, rooms: rooms.size, connections: connections.size })
  })
  // Readiness: whether the stores answer (liveness is /healthz).
  app.get('/readyz', async (_req, res) => {
    try {
      await probe()
      res.json({ ok: true })
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'readiness probe failed: storage')
      res.status(503).json({ ok: false, failing: 'storage' })
    }
  })
  /**
   * Closes the room's sockets whose right no longer holds (after a revoke or a mode change), with
   * the reason in words. Sockets still in their connect hooks are checked once they join.
   */
  const recheck = (room: string) => {
    for (const conn of connections.keys()) {
      if (conn.room !== room || conn.access === null) continue
      const reason = access.revoked(room, conn.access)
      if (reason !== null) conn.close(CloseCode.Unauthorized, reason)
    }
  }
  /** Whether a board has a document: shapes while it is loaded, or anything stored for it. */
  const hasDocument = async (room: string) => {
    const loaded = rooms.get(room)
    if (loaded && shapesMap(loaded.doc).size > 0) return true
    return (await persistence.load(room)).length > 0
  }
  app.use(accessRoutes({ access, adminToken: config.adminToken, recheck, hasDocument }))
  /** Operational snapshot for operators and the benchmarks; needs the admin token. */
  /** How late the event loop runs timers: what every room's latency rides on. Reset on each read. */
  const loopDelay = monitorEventLoopDelay({ resolution: 10 })
  loopDelay.enable()
  app.get('/api/stats', adminOnly(config.adminToken), (_req, res) => {
    const mem = process.memoryUsage()
    const ms = (ns: number) => Math.round(ns / 1e4) / 100
    const eventLoopDelayMs = {
      p50: ms(loopDelay.percentile(50)),
      p99: ms(loopDelay.percentile(99)),
      max: ms(loopDelay.max),
    }
    loopDelay.reset()
    res.json({
      rooms: rooms.size,
      connections: connections.size,
      roomNames: [...rooms].map((r) => r.name).slice(0, 100),
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      authority: authorityExtension.stats,
      limits: limits.tripped,
      eventLoopDelayMs,
    })
  })
  if (!metricsServer) app.get('/metrics', adminOnly(config.adminToken), serveMetrics)
  /** The admin dashboard's samples, totals and hot shapes (shared/src/admin.ts). */
  app.get('/api/admin/dashboard', adminOnly(config.adminToken), (_req, res) => {
    if (!dashboard) {
      res.status(404).json({ error: 'metrics are off' })
      return
    }
    res.setHeader('Cache-Control', 'no-store')
    res.json(dashboard.data())
  })
  const indexHtml = path.join(config.clientDir, 'index.html')
  if (fs.existsSync(indexHtml)) {
    app.use(express.static(config.clientDir, { index: false, maxAge: '1h' }))
    // Every board URL is the single-page app.
    app.get(['/', '/b/:room', '/admin'], (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache')
      res.sendFile(indexHtml)
    })
  } else {
    app.get('/', (_req, res) => {
      res.type('text').send('Easel server is running, but the client is not built: run `pnpm build`.')
    })
  }

  const server = http.createServer(app)
  // No permessage-deflate (ws's default for servers): the outboxes write frames as they are.
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxPayload, perMessageDeflate: false })
  /** Every socket's frames, written at the end of a turn (at most once per flush interval, if set). */
  const flushes = new FlushQueue(config.flushIntervalMs)

  server.on('upgrade', (req, socket, head) => {
    // Until ws owns the socket, a reset from the client must not become an uncaught error.
    socket.on('error', (err) => log.debug({ err: err.message }, 'upgrade socket error'))
    const target = roomFromUpgradePath(req.url)
    if (target === null) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
      return
    }
    if (!originAllowed(req.headers, config.allowedOrigins)) {
      limits.trip('origin', log, { origin: req.headers.origin })
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
      return
    }
    try {
      wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req, target))
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'upgrade failed')
      socket.destroy()
    }
  })

  /** Open sockets per client address, for `maxConnectionsPerIp`. */
  const perAddress = new Map<string, number>()
  /** New-socket budget per client address; addresses whose budget is full again are forgotten. */
  const connectRate = new Map<string, TokenBucket>()

  /**
   * A new room socket: checks the room id and the connection caps, runs the connect and
   * authenticate hooks, joins the room (loading it if needed), then hands frames to it. Frames that arrive before the join are
   * handed over, in order, once it is done.
   */
  const accept = (ws: WebSocket, req: http.IncomingMessage, roomName: string | undefined) => {
    ws.on('error', (err) => {
      // ws closes a socket whose frame passes `maxPayload` with 1009 by itself.
      if ((err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        meter.closed(CloseCode.MessageTooBig)
      }
      log.warn({ err: err.message, room: roomName }, 'socket error')
    })
    if (roomName === undefined || !isValidRoomId(roomName)) {
      meter.closed(CloseCode.InvalidRoom)
      ws.close(CloseCode.InvalidRoom, 'invalid room id')
      return
    }
    // The caps come before anything else: a refused socket costs no room, no hook, no state.
    const address = clientAddress(req, config.trustProxy)
    if (connections.size >= config.maxConnections) {
      limits.trip('connections', log, { address, max: config.maxConnections })
      meter.closed(CloseCode.ServerBusy)
      ws.close(CloseCode.ServerBusy, 'server busy: too many connections')
      return
    }
    let arrivals = connectRate.get(address)
    if (!arrivals) {
      arrivals = new TokenBucket(config.connectRatePerIp, config.connectBurstPerIp)
      connectRate.set(address, arrivals)
    }
    if (!arrivals.take()) {
      limits.trip('connect_rate', log, { address, perSec: config.connectRatePerIp })
      meter.closed(CloseCode.ServerBusy)
      ws.close(CloseCode.ServerBusy, 'server busy: too many new connections from your address')
      return
    }
    const fromAddress = perAddress.get(address) ?? 0
    if (fromAddress >= config.maxConnectionsPerIp) {
      limits.trip('connections_per_ip', log, { address, max: config.maxConnectionsPerIp })
      meter.closed(CloseCode.ServerBusy)
      ws.close(CloseCode.ServerBusy, 'server busy: too many connections from your address')
      return
    }
    perAddress.set(address, fromAddress + 1)
    let terminateTimer: NodeJS.Timeout | null = null
    const outbox = new Outbox(rawSocket(ws), flushes, () => ws.readyState === ws.OPEN)
    const conn: Connection = new Connection(
      {
        send: (frame) => {
          if (ws.readyState !== ws.OPEN) return
          // What is still queued from earlier sends: a client that does not read would otherwise
          // make the server hold every frame it is sent. The frame about to be sent is not
          // counted, so a joiner's first (large) sync reply always goes out.
          const buffered = outbox.bufferedBytes
          if (buffered > config.maxBufferedBytes) {
            conn.trip('backpressure', { buffered, max: config.maxBufferedBytes })
            conn.close(CloseCode.Backpressure, 'backpressure: the client is not reading')
            // The close frame waits behind the unread data, and a client that never reads never
            // answers it: cut the socket soon, which frees what it buffered.
            terminateTimer = setTimeout(() => ws.terminate(), BACKPRESSURE_CLOSE_GRACE_MS)
            terminateTimer.unref()
            return
          }
          outbox.send(frame)
        },
        close: (code, reason) => {
          meter.closed(code)
          // What was sent before the close goes out before the close frame.
          outbox.flush()
          ws.close(code, reason)
        },
      },
      roomName,
      log,
      {
        perSec: config.rateLimitPerSec,
        burst: config.rateLimitBurst,
        bytesPerSec: config.rateLimitBytesPerSec,
        bytesBurst: config.rateLimitBytesBurst,
      },
      limits,
    )
    const socket = { ws, alive: true }
    connections.set(conn, socket)
    const joined = rooms.enter(conn, {
      room: roomName,
      request: { url: req.url ?? '', headers: req.headers },
      readOnly: false,
    })
    /** Closes the socket when its link expires, as a new socket with it would be refused. */
    let expiryTimer: NodeJS.Timeout | null = null
    const closeAtExpiry = (at: number) => {
      // Links may live a year, longer than one timer can wait: wait in steps.
      expiryTimer = setTimeout(
        () => {
          if (Date.now() < at) closeAtExpiry(at)
          else conn.close(CloseCode.Unauthorized, REFUSALS.expired)
        },
        Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS),
      )
      expiryTimer.unref()
    }
    // A revoke or mode change that landed while the connect hooks ran found no right on the
    // connection yet: check once it has joined (before any of its frames is handled).
    void joined.then(() => {
      if (conn.closed || conn.access === null) return
      const reason = access.revoked(roomName, conn.access)
      if (reason !== null) conn.close(CloseCode.Unauthorized, reason)
      else if (conn.access.expiresAt !== null) closeAtExpiry(conn.access.expiresAt)
    })
    ws.on('pong', () => {
      socket.alive = true
    })
    ws.on('message', (data: Buffer, isBinary) => {
      if (conn.closed) return
      if (!isBinary) {
        conn.close(CloseCode.MalformedMessage, 'text frames are not part of the protocol')
        return
      }
      const over = conn.admit(data.byteLength)
      if (over !== null) {
        if (over === 'frames') {
          conn.trip('rate_frames', { perSec: config.rateLimitPerSec, burst: config.rateLimitBurst })
        } else {
          conn.trip('rate_bytes', { perSec: config.rateLimitBytesPerSec, burst: config.rateLimitBytesBurst })
        }
        conn.close(CloseCode.RateLimited, `rate limited: too many ${over} per second`)
        // Nothing more is read from a flooder (parsing what it keeps sending until it sees the
        // close would cost the other rooms their share): its close answer is not read either, so
        // it is cut after a grace period.
        ws.pause()
        terminateTimer ??= setTimeout(() => ws.terminate(), BACKPRESSURE_CLOSE_GRACE_MS)
        terminateTimer.unref()
        return
      }
      const frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      void joined.then((room) => room?.receive(conn, frame))
    })
    ws.on('close', (code) => {
      conn.closed = true
      if (terminateTimer) clearTimeout(terminateTimer)
      if (expiryTimer) clearTimeout(expiryTimer)
      connections.delete(conn)
      const left = (perAddress.get(address) ?? 1) - 1
      if (left <= 0) perAddress.delete(address)
      else perAddress.set(address, left)
      void joined.then(async (room) => {
        if (!room) return
        await room.leave(conn)
        rooms.release(room)
      })
      conn.log.debug({ code }, 'connection closed')
    })
  }

  const keepalive = setInterval(() => {
    for (const [address, bucket] of connectRate) {
      if (bucket.canTake(config.connectBurstPerIp)) connectRate.delete(address)
    }
    for (const [conn, socket] of connections) {
      if (!socket.alive) {
        conn.log.info('no pong since last ping; terminating')
        socket.ws.terminate()
        continue
      }
      socket.alive = false
      socket.ws.ping()
    }
  }, config.pingIntervalMs)
  keepalive.unref()

  await listen(server, config.port, config.host)
  const port = (server.address() as AddressInfo).port
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host
  let metricsUrl: string | null = null
  if (metricsServer && config.metricsListen !== undefined) {
    const split = config.metricsListen.lastIndexOf(':')
    const metricsHost = config.metricsListen.slice(0, split).replace(/^\[(.*)\]$/, '$1')
    await listen(metricsServer, Number(config.metricsListen.slice(split + 1)), metricsHost)
    const { address, port: metricsPort } = metricsServer.address() as AddressInfo
    metricsUrl = `http://${address.includes(':') ? `[${address}]` : address}:${metricsPort}`
  }

  let closing: Promise<void> | null = null
  const close = () => {
    closing ??= (async () => {
      clearInterval(keepalive)
      dashboard?.close()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const conn of connections.keys()) conn.close(CloseCode.GoingAway, 'server shutting down')
      // Give clients a moment to receive the close frame, then cut whatever is left.
      await new Promise((r) => setTimeout(r, 50))
      for (const { ws } of connections.values()) ws.terminate()
      server.closeAllConnections()
      loopDelay.disable()
      await rooms.unloadAll()
      for (const ext of extensions) await ext.close?.()
      wss.close()
      await closed
      if (metricsServer) {
        const metricsClosed = new Promise((r) => metricsServer!.close(r))
        metricsServer.closeAllConnections()
        await metricsClosed
      }
      await persistence.close()
    })()
    return closing
  }

  return {
    config,
    http: server,
    rooms,
    persistence,
    authority: authorityExtension,
    access,
    log,
    limits,
    telemetry,
    dashboard,
    secret,
    port,
    url: `http://${host}:${port}`,
    metricsUrl,
    connections: () => connections.size,
    close,
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/**
 * The TCP socket under a server-side ws WebSocket, which the outbox writes whole frames to. ws
 * keeps it in a private field; a ws version without it fails here, loudly, on the first socket.
 */
function rawSocket(ws: WebSocket): RawSocket {
  const socket = (ws as unknown as { _socket?: unknown })._socket
  if (!(socket instanceof net.Socket))
    throw new Error('ws: the WebSocket has no net.Socket (ws version changed?)')
  return socket
}

/** Longest delay one `setTimeout` takes (about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** How long a socket closed for backpressure has to finish the close handshake before it is cut. */
const BACKPRESSURE_CLOSE_GRACE_MS = 1000

/**
 * The client's address, for the per-address caps: the socket's peer, or behind a trusted reverse
 * proxy the LAST `X-Forwarded-For` entry: the address the proxy saw. The entries before it are
 * whatever the client sent (a proxy appends to the header it received), so they prove nothing.
 */
export function clientAddress(req: http.IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for']
    // Several headers are joined in order, so the last entry of the last one is the proxy's.
    const joined = Array.isArray(header) ? header.join(',') : header
    const last = joined?.split(',').at(-1)?.trim()
    if (last) return last
  }
  return req.socket.remoteAddress ?? 'unknown'
}

/**
 * The room named by a socket path: `undefined` for a `/ws/...` path whose name does not decode
 * (answered with a close code, which browsers can read), null for any other path (404).
 */
export function roomFromUpgradePath(url: string | undefined): string | undefined | null {
  let pathname: string
  try {
    pathname = new URL(url ?? '/', 'http://localhost').pathname
  } catch {
    return null
  }
  if (!pathname.startsWith(`${WS_PATH_PREFIX}/`)) return null
  try {
    return decodeURIComponent(pathname.slice(WS_PATH_PREFIX.length + 1))
  } catch {
    return undefined
  }
}
