/**
 * Starts the Easel server through `servers.ts` with extra settings. `startServer` takes no server
 * flags, but every flag of `server/src/config.ts` is also read from an environment variable
 * (`--lease-ttl-ms` ↔ `LEASE_TTL_MS`), and the child inherits this process's environment: the
 * variables are set only while the child is spawned.
 */
import type { AuthorityStats } from '../server/src/authority/AuthorityExtension.ts'
import { type RunningServer, type StartOptions, startServer } from './servers.ts'

export type EaselSettings = {
  leaseTtlMs?: number
  leaseIdleMs?: number
}

const ENV_NAMES: Record<keyof EaselSettings, string> = {
  leaseTtlMs: 'LEASE_TTL_MS',
  leaseIdleMs: 'LEASE_IDLE_MS',
}

export type EaselUnderTest = RunningServer & {
  /** `http://host:port` of the server. */
  httpUrl: string
  /** The server's own commit and lease counters (`GET /api/stats`). */
  stats(): Promise<AuthorityStats>
  settings: EaselSettings
}

export async function startEasel(
  settings: EaselSettings = {},
  options: StartOptions = {},
): Promise<EaselUnderTest> {
  const saved = new Map<string, string | undefined>()
  for (const [key, value] of Object.entries(settings) as [keyof EaselSettings, number | undefined][]) {
    if (value === undefined) continue
    const name = ENV_NAMES[key]
    saved.set(name, process.env[name])
    process.env[name] = String(value)
  }
  let server: RunningServer
  try {
    server = await startServer('easel', options)
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
  const httpUrl = server.wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '')
  return {
    ...server,
    httpUrl,
    settings,
    stats: async () => {
      const res = await fetch(`${httpUrl}/api/stats`, { signal: AbortSignal.timeout(5_000) })
      if (!res.ok) throw new Error(`GET /api/stats: ${res.status}`)
      return ((await res.json()) as { authority: AuthorityStats }).authority
    },
  }
}
