import path from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'

/** Server configuration. Every option is a CLI flag (`--max-payload`) and an env var (`MAX_PAYLOAD`). */
export const configSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().default('0.0.0.0'),
  dataDir: z.string().default('./data'),
  /** Largest accepted WebSocket frame in bytes; larger frames close the socket with 1009. */
  maxPayload: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
  /** Interval between WebSocket pings; a socket that missed the previous pong is terminated. */
  pingIntervalMs: z.coerce.number().int().min(100).default(30_000),
  /**
   * Least time between two write passes over the sockets while frames keep coming (one pass for
   * every room, so a frame may wait up to this long): what a socket is sent meanwhile goes out
   * together, in one system call; the first frame after a quiet spell is sent at once. Off (0) by
   * default: every turn of the event loop in which something was sent writes it. At 8,
   * the fan-out benchmark's 100-client room cost about 14 % less server CPU per delivery and its
   * median latency rose by about 2.6 ms.
   */
  flushIntervalMs: z.coerce.number().min(0).max(100).default(0),
  /** Update-log entries after which a room's log is folded into its snapshot. */
  compactAfter: z.coerce.number().int().min(1).default(500),
  /** How long a room stays in memory after its last connection left. */
  unloadDelayMs: z.coerce.number().int().min(0).default(15_000),
  /** Token bucket per connection: sustained frames per second and burst size. */
  rateLimitPerSec: z.coerce.number().min(1).default(400),
  rateLimitBurst: z.coerce.number().min(1).default(2000),
  /** Lease on a shape being edited: expiry without renewal, and release after no typing. */
  leaseTtlMs: z.coerce.number().int().min(100).default(10_000),
  leaseIdleMs: z.coerce.number().int().min(100).default(30_000),
  /** How long commit answers are kept for idempotent retries. */
  commitRecordTtlMs: z.coerce
    .number()
    .int()
    .min(1000)
    .default(24 * 3600_000),
  /** SQLite durability: NORMAL survives a process crash, FULL also a power loss. */
  sqliteSync: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  /** Directory of the built client; served at `/` when it exists. */
  clientDir: z.string().default(path.resolve(import.meta.dirname, '../../client/dist')),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  // Access (see SECURITY.md).
  /** Key that signs share links and resume secrets; generated into `dataDir/secret.key` if unset. */
  secret: z.string().min(32).optional(),
  /** Boards without their own setting: `open` (anyone with the URL edits) or `link` (share links only). */
  access: z.enum(['open', 'link']).default('open'),
  /** Bearer token for `/api/stats` and every other admin endpoint; unset, they are off (404). */
  adminToken: z.string().min(16).optional(),
  /**
   * Origins browsers may open sockets from, comma-separated (`https://a.example,https://b.example`);
   * empty means the server's own origin only, `*` any. Requests without an Origin (not a browser)
   * are not restricted by it.
   */
  allowedOrigins: z.string().default(''),
  /** Take the client address from X-Forwarded-For (behind a reverse proxy), for per-address caps. */
  trustProxy: z.union([z.boolean(), z.stringbool()]).default(false),

  // Budget: every limit a client can run into (see SECURITY.md for what each protects).
  /** Token bucket per connection on bytes received (the burst must fit the largest frame). */
  rateLimitBytesPerSec: z.coerce
    .number()
    .min(1024)
    .default(2 * 1024 * 1024),
  rateLimitBytesBurst: z.coerce
    .number()
    .min(1024)
    .default(16 * 1024 * 1024),
  /** A socket with more than this many bytes queued and unsent is closed (Backpressure, 4508). */
  maxBufferedBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  /** Open sockets: in all, and per client address (ServerBusy, 4503). */
  maxConnections: z.coerce.number().int().min(1).default(5000),
  maxConnectionsPerIp: z.coerce.number().int().min(1).default(100),
  /**
   * New sockets per second from one client address, and the burst above it (ServerBusy, 4503): a
   * client reconnecting in a loop would otherwise make the server send it the board each time.
   */
  connectRatePerIp: z.coerce.number().min(0.1).default(10),
  connectBurstPerIp: z.coerce.number().min(1).default(60),
  /** Rooms in memory at once; a join that would load one more is refused (ServerBusy, 4503). */
  maxRooms: z.coerce.number().int().min(1).default(2000),
  /** Size of a board's document; an update that would pass it is refused (BoardFull, 4413). */
  maxDocBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  /** Awareness: bytes per frame, client ids per connection, frames per second and burst. */
  awarenessMaxBytes: z.coerce
    .number()
    .int()
    .min(256)
    .default(32 * 1024),
  awarenessMaxIds: z.coerce.number().int().min(1).default(4),
  awarenessPerSec: z.coerce.number().min(1).default(30),
  awarenessBurst: z.coerce.number().min(1).default(100),
  /** Leases a session may hold or wait for at once. */
  maxLeasesPerSession: z.coerce.number().int().min(1).default(16),

  // Observability (see docs/operations.md).
  /** Counters, `/metrics` and the admin dashboard; `false` (`--no-metrics`) makes them no-ops. */
  metrics: z.union([z.boolean(), z.stringbool()]).default(true),
  /**
   * `host:port` to serve `/metrics` on, without the admin token (a port only the scraper reaches);
   * unset, `/metrics` is on the main port behind the admin token.
   */
  metricsListen: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'host:port')
    .optional(),
  /** How often the admin dashboard takes a sample of the counters. */
  dashboardIntervalMs: z.coerce.number().int().min(10).default(5000),
})
export type Config = z.infer<typeof configSchema>
export type ConfigInput = z.input<typeof configSchema>

const FLAGS: Record<keyof Config, string> = {
  port: 'PORT',
  host: 'HOST',
  dataDir: 'DATA_DIR',
  maxPayload: 'MAX_PAYLOAD',
  pingIntervalMs: 'PING_INTERVAL_MS',
  flushIntervalMs: 'FLUSH_INTERVAL_MS',
  compactAfter: 'COMPACT_AFTER',
  unloadDelayMs: 'UNLOAD_DELAY_MS',
  rateLimitPerSec: 'RATE_LIMIT_PER_SEC',
  rateLimitBurst: 'RATE_LIMIT_BURST',
  leaseTtlMs: 'LEASE_TTL_MS',
  leaseIdleMs: 'LEASE_IDLE_MS',
  commitRecordTtlMs: 'COMMIT_RECORD_TTL_MS',
  sqliteSync: 'SQLITE_SYNC',
  clientDir: 'CLIENT_DIR',
  logLevel: 'LOG_LEVEL',
  secret: 'EASEL_SECRET',
  access: 'ACCESS',
  adminToken: 'ADMIN_TOKEN',
  allowedOrigins: 'ALLOWED_ORIGINS',
  trustProxy: 'TRUST_PROXY',
  rateLimitBytesPerSec: 'RATE_LIMIT_BYTES_PER_SEC',
  rateLimitBytesBurst: 'RATE_LIMIT_BYTES_BURST',
  maxBufferedBytes: 'MAX_BUFFERED_BYTES',
  maxConnections: 'MAX_CONNECTIONS',
  maxConnectionsPerIp: 'MAX_CONNECTIONS_PER_IP',
  maxRooms: 'MAX_ROOMS',
  connectRatePerIp: 'CONNECT_RATE_PER_IP',
  connectBurstPerIp: 'CONNECT_BURST_PER_IP',
  maxDocBytes: 'MAX_DOC_BYTES',
  awarenessMaxBytes: 'AWARENESS_MAX_BYTES',
  awarenessMaxIds: 'AWARENESS_MAX_IDS',
  awarenessPerSec: 'AWARENESS_PER_SEC',
  awarenessBurst: 'AWARENESS_BURST',
  maxLeasesPerSession: 'MAX_LEASES_PER_SESSION',
  metrics: 'METRICS',
  metricsListen: 'METRICS_LISTEN',
  dashboardIntervalMs: 'DASHBOARD_INTERVAL_MS',
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** Reads flags (`--data-dir x`, `--data x`) over env vars over defaults; throws a readable error. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const options = Object.fromEntries(
    Object.keys(FLAGS).map((k) => [kebab(k), { type: 'string' as const }]),
  ) as Record<string, { type: 'string' | 'boolean' }>
  options.data = { type: 'string' }
  options['no-metrics'] = { type: 'boolean' }
  const { values } = parseArgs({ args: argv, options, strict: true })
  const raw: Record<string, unknown> = {}
  for (const [key, envName] of Object.entries(FLAGS)) {
    const v = values[kebab(key)] ?? (key === 'dataDir' ? values.data : undefined) ?? env[envName]
    if (v !== undefined && v !== '') raw[key] = v
  }
  if (values['no-metrics'] === true) raw.metrics = false
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) throw new Error(`invalid configuration: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}

/** The configuration as it may be logged: secrets are replaced by whether they are set. */
export function redactConfig(config: Config): Record<string, unknown> {
  return {
    ...config,
    secret: config.secret === undefined ? 'generated (data dir)' : '[set]',
    adminToken: config.adminToken === undefined ? 'off' : '[set]',
  }
}
