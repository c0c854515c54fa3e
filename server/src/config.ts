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
  /** Update-log entries after which a room's log is folded into its snapshot. */
  compactAfter: z.coerce.number().int().min(1).default(500),
  /** How long a room stays in memory after its last connection left. */
  unloadDelayMs: z.coerce.number().int().min(0).default(0),
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
})
export type Config = z.infer<typeof configSchema>
export type ConfigInput = z.input<typeof configSchema>

const FLAGS: Record<keyof Config, string> = {
  port: 'PORT',
  host: 'HOST',
  dataDir: 'DATA_DIR',
  maxPayload: 'MAX_PAYLOAD',
  pingIntervalMs: 'PING_INTERVAL_MS',
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
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** Reads flags (`--data-dir x`, `--data x`) over env vars over defaults; throws a readable error. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const options = Object.fromEntries(
    Object.keys(FLAGS).map((k) => [kebab(k), { type: 'string' as const }]),
  ) as Record<string, { type: 'string' }>
  options.data = { type: 'string' }
  const { values } = parseArgs({ args: argv, options, strict: true })
  const raw: Record<string, unknown> = {}
  for (const [key, envName] of Object.entries(FLAGS)) {
    const v = values[kebab(key)] ?? (key === 'dataDir' ? values.data : undefined) ?? env[envName]
    if (v !== undefined && v !== '') raw[key] = v
  }
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) throw new Error(`invalid configuration: ${z.prettifyError(parsed.error)}`)
  return parsed.data
}
