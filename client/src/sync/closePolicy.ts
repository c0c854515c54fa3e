import { CloseCode } from '@easel/shared'
import { backoffDelay } from './backoff.ts'

/**
 * How soon to reconnect after a transient close: `prompt` when the server asks for it (the room
 * was reloaded and is ready), `slow` when the server asked this client to send less, `normal`
 * for everything else (server restarting or down, network gone).
 */
export type Backoff = 'prompt' | 'normal' | 'slow'

/**
 * The way back offered when reconnecting cannot help:
 * - `reload`: the page itself is the problem (older than the server); reloading keeps the local copy.
 * - `reloadFromServer`: this browser's copy cannot be synced; replace it with the server's copy
 *   (the local board is stashed first so the user's changes can be re-applied).
 * - `newBoard`: this board cannot be opened from here at all.
 */
export type WayBack = 'reload' | 'reloadFromServer' | 'newBoard'

export type RetryDecision = {
  kind: 'retry'
  backoff: Backoff
  /** One line for the connection indicator while reconnecting. */
  message: string
}

export type StopDecision = {
  kind: 'stop'
  action: WayBack
  /** What happened, in a few words. */
  title: string
  /** Why, and what it means for the user's work, in plain words. */
  message: string
}

export type CloseDecision = RetryDecision | StopDecision

const retry = (backoff: Backoff, message: string): RetryDecision => ({ kind: 'retry', backoff, message })
const stop = (action: WayBack, title: string, message: string): StopDecision => ({
  kind: 'stop',
  action,
  title,
  message,
})

const CANNOT_SYNC =
  'Reconnecting would send the same thing again and be refused again, so this browser stopped trying.'

/**
 * One decision per close code the server uses. `satisfies Record<CloseCode, …>` makes a new code
 * in shared/ a type error here until someone decides what the client does with it.
 */
export const CLOSE_DECISIONS = {
  [CloseCode.Normal]: retry('normal', 'The server closed the connection. Reconnecting…'),
  [CloseCode.GoingAway]: retry('normal', 'The server is restarting. Reconnecting…'),
  [CloseCode.MessageTooBig]: stop(
    'reloadFromServer',
    'A change was too large to send',
    `This browser tried to send the server more data at once than it accepts. ${CANNOT_SYNC}`,
  ),
  [CloseCode.InternalError]: retry('normal', 'The server ran into an error. Retrying…'),
  [CloseCode.ServiceRestart]: retry('prompt', 'The server reloaded this board. Reconnecting…'),
  [CloseCode.TryAgainLater]: retry('normal', 'The server could not load this board just now. Retrying…'),
  [CloseCode.MalformedMessage]: stop(
    'reloadFromServer',
    'The server could not read what this browser sent',
    `Something this browser sent was not understood by the server, so it closed the connection. ${CANNOT_SYNC}`,
  ),
  [CloseCode.Unauthorized]: stop(
    'newBoard',
    'This link does not open the board',
    'The board can only be opened with a share link, and this one was not accepted. Ask the board\'s owner for a new link, or start a new board.',
  ),
  [CloseCode.Forbidden]: stop(
    'newBoard',
    'You cannot edit this board from here',
    'The server refused this browser for this board: the link may have expired, or it only allows viewing. Ask for a new link, or start a new board.',
  ),
  [CloseCode.InvalidRoom]: stop(
    'newBoard',
    'This board address is not valid',
    'A board id may only contain letters, digits, "-" and "_" (at most 64). Check the link, or start a new board.',
  ),
  [CloseCode.ProtectedState]: stop(
    'reloadFromServer',
    "This browser's copy cannot be synced",
    `It contains a change to data only the server may change (deletions, text, arrow bindings or groups), so the server refused it. ${CANNOT_SYNC}`,
  ),
  [CloseCode.BoardFull]: stop(
    'reloadFromServer',
    'This board is full',
    `It reached the server's size limit, so the change that would have passed it was not saved. Reload the board from the server to go on; this browser's copy is kept aside so nothing is lost.`,
  ),
  [CloseCode.InvalidContent]: stop(
    'reloadFromServer',
    'The server refused a change from this browser',
    `It would have stored a shape the board's schema does not allow (a value of the wrong type or too long). ${CANNOT_SYNC}`,
  ),
  [CloseCode.UnintegrableUpdate]: stop(
    'reloadFromServer',
    "This browser's copy no longer matches the server's",
    `It holds changes that build on history the server does not have (for example after the server's data was restored from a backup). ${CANNOT_SYNC}`,
  ),
  [CloseCode.ProtocolMismatch]: stop(
    'reload',
    'Easel has been updated',
    'This page is older than the server and no longer speaks its language. Reload the page to get the new version: the changes kept in this browser stay and are synced after the reload.',
  ),
  [CloseCode.RateLimited]: retry(
    'slow',
    'The server asked this browser to slow down. Reconnecting in a little while…',
  ),
  [CloseCode.ServerBusy]: retry('slow', 'The server is at capacity. Reconnecting in a little while…'),
  [CloseCode.Backpressure]: retry(
    'normal',
    'The connection fell behind what the server was sending. Reconnecting…',
  ),
} as const satisfies Record<CloseCode, CloseDecision>

/** What the client does after the server (or the network) closed its socket with `code`. */
export function decideClose(code: number, reason = ''): CloseDecision {
  if (Object.hasOwn(CLOSE_DECISIONS, code)) return CLOSE_DECISIONS[code as CloseCode]
  // 4400-4499 mirror HTTP 4xx: the server decided, and reconnecting cannot change its mind.
  if (code >= 4400 && code < 4500) {
    return stop(
      'reload',
      'The server closed the connection for good',
      `It gave the reason "${reason || 'none'}" (code ${code}). Reloading the page may help: the changes kept in this browser stay.`,
    )
  }
  // Anything else (1006 network loss, 45xx "try later", codes from proxies) is transient.
  return retry('normal', 'Connection lost. Reconnecting…')
}

/**
 * Milliseconds to wait before reconnect attempt `attempt` (0 = first after a close). Prompt and
 * normal use full jitter, so clients dropped together (a server restart) come back spread out;
 * slow uses equal jitter, so a rate-limited client always waits at least half its window.
 */
export function reconnectDelay(
  backoff: Backoff,
  attempt: number,
  random: () => number = Math.random,
): number {
  const o = { ...BACKOFF[backoff], random }
  if (backoff !== 'slow') return backoffDelay(attempt, o)
  const window = Math.min(o.capMs, o.baseMs * 2 ** attempt)
  return Math.floor(window / 2 + backoffDelay(attempt, o) / 2)
}

const BACKOFF: Record<Backoff, { baseMs: number; capMs: number }> = {
  prompt: { baseMs: 100, capMs: 1000 },
  normal: { baseMs: 250, capMs: 5000 },
  slow: { baseMs: 2000, capMs: 30_000 },
}
