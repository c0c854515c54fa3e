import { type Dashboard, dashboardSchema } from '@easel/shared'
import { backoffDelay } from '../sync/backoff.ts'

/** The poll never runs faster than this or slower than {@link MAX_POLL_MS}, whatever the server samples at. */
export const MIN_POLL_MS = 1000
export const MAX_POLL_MS = 5000

/** How long to wait before the next poll: the server's sampling interval, clamped to 1–5 s. */
export function pollDelay(intervalMs: number): number {
  return Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, intervalMs))
}

/** After `failures` network errors in a row: full-jitter backoff, at least a second, at most ten. */
export function retryDelay(failures: number, random: () => number = Math.random): number {
  return Math.max(MIN_POLL_MS, backoffDelay(failures, { baseMs: 1000, capMs: 10_000, random }))
}

/** What one poll of `GET /api/admin/dashboard` came to. */
export type PollResult =
  | { kind: 'ok'; data: Dashboard }
  /** The token is not the server's: ask again. */
  | { kind: 'unauthorized' }
  /** The server was started without an admin token, or with metrics off: `message` says which. */
  | { kind: 'unconfigured'; message: string }
  /** The server answered, but not with a dashboard (another status, or a body that does not parse). */
  | { kind: 'malformed'; message: string }
  /** No answer: the server is down or the network is; keep retrying. */
  | { kind: 'network'; message: string }

export const ERROR_TEXT = {
  unauthorized: 'wrong admin token',
  unconfigured: 'this server has no admin token configured (start it with --admin-token)',
  metricsOff: 'this server runs with metrics off (started with --no-metrics): there is nothing to show',
} as const

/** Reads a response (status and body text) into a {@link PollResult}. */
export function interpret(status: number, body: string): PollResult {
  if (status === 401 || status === 403) return { kind: 'unauthorized' }
  if (status === 404) {
    const off = /metrics are off/.test(body)
    return { kind: 'unconfigured', message: off ? ERROR_TEXT.metricsOff : ERROR_TEXT.unconfigured }
  }
  if (status < 200 || status >= 300) return { kind: 'malformed', message: `the server answered ${status}` }
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return { kind: 'malformed', message: 'the server sent something that is not JSON' }
  }
  const parsed = dashboardSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? issue.path.join('.') : 'payload'
    return {
      kind: 'malformed',
      message: `unexpected dashboard data (${where}: ${issue?.message ?? 'invalid'})`,
    }
  }
  return { kind: 'ok', data: parsed.data }
}

/** Fetches the dashboard once with the admin token as a bearer. */
export async function pollDashboard(token: string, signal?: AbortSignal): Promise<PollResult> {
  let res: Response
  let body: string
  try {
    res = await fetch('/api/admin/dashboard', {
      headers: { Authorization: `Bearer ${token}` },
      cache: 'no-store',
      signal,
    })
    body = await res.text()
  } catch (err) {
    return { kind: 'network', message: (err as Error).message || 'network error' }
  }
  return interpret(res.status, body)
}
