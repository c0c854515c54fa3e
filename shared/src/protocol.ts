/**
 * The one definition of Easel's wire protocol, used by the server and the browser.
 *
 * Frames on a room socket are y-websocket frames: a varUint message type followed by its payload.
 * Types 0-3 are the standard y-websocket messages and are never changed, so a stock
 * `WebsocketProvider` can join a room and sync. Easel's own messages travel as one extra type,
 * {@link MessageType.Easel}, whose payload is a JSON document validated by {@link clientMessage}.
 * The server sends Easel messages only to connections that opened with a `hello`.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { z } from 'zod'
import { commitRequest, type CommitResult } from './commit.ts'
import { SHAPE_ID_PATTERN } from './schema.ts'

/** Bumped when a change to the Easel messages is not backward compatible. Sent in `hello`. */
export const PROTOCOL_VERSION = 2

/** Frame types. 0-3 are y-websocket's and must keep their numbers. */
export const MessageType = Object.freeze({
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  /** Easel's extension messages: payload is one varString holding JSON. */
  Easel: 100,
})

/**
 * Close codes the server uses. 1xxx are the WebSocket standard ones; 44xx mirror HTTP statuses so
 * a log line is readable without a table. A client must not auto-reconnect after 4400-4499 except
 * {@link CloseCode.RateLimited}, where it backs off.
 */
export const CloseCode = Object.freeze({
  Normal: 1000,
  /** Server shutting down; the client reconnects (to this node after restart, or another). */
  GoingAway: 1001,
  /** Frame above the server's `maxPayload` (sent by ws itself). */
  MessageTooBig: 1009,
  /** Unexpected server error (e.g. storage failed); the client reconnects with backoff. */
  InternalError: 1011,
  /**
   * The room's in-memory state was discarded and reloaded from storage (an update could not be
   * integrated); the client reconnects at once and resyncs, keeping its local edits.
   */
  ServiceRestart: 1012,
  /** The room could not be loaded from storage right now; the client retries with backoff. */
  TryAgainLater: 1013,
  /** A frame that does not decode: unknown type, truncated varint, invalid Yjs update, bad JSON. */
  MalformedMessage: 4400,
  /**
   * The board needs a share link and the socket brought none, or its link is forged, expired,
   * revoked, or for another board. The reason says which, in words the client shows.
   */
  Unauthorized: 4401,
  /** Refused by an `onAuthenticate`/`onConnect` hook, or a write on a view-only connection. */
  Forbidden: 4403,
  /** The room name in the URL is not a valid room id. */
  InvalidRoom: 4404,
  /** A plain Yjs update tried to change state that only the server writes (versioned fields). */
  ProtectedState: 4409,
  /** The board reached the server's document size cap; the change that would pass it is refused. */
  BoardFull: 4413,
  /**
   * An update would create or change a shape into something the schema rejects (wrong type,
   * oversized string, unknown kind or property): refused whole, nothing of it stored.
   */
  InvalidContent: 4415,
  /**
   * The client kept sending Yjs updates that depend on history the server does not have, even
   * after being asked to resync (a first incomplete update only triggers a resync).
   */
  UnintegrableUpdate: 4422,
  /** The client announced a protocol version the server does not speak. */
  ProtocolMismatch: 4426,
  /** Too many frames or bytes per second from one connection. */
  RateLimited: 4429,
  /** The server is at a connection or room cap (per address or in all); try again later. */
  ServerBusy: 4503,
  /**
   * The client did not read what the server sent it (its send buffer passed the server's limit);
   * reconnecting starts from a fresh sync.
   */
  Backpressure: 4508,
})
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

/** Room ids: what may follow `/ws/` in a socket URL and `/b/` in a board URL. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

export function isValidRoomId(id: string): boolean {
  return ROOM_ID_PATTERN.test(id)
}

/** The socket path prefix: a provider created with `ws://host/ws` and room `R` connects to `/ws/R`. */
export const WS_PATH_PREFIX = '/ws'

const shapeId = z.string().regex(SHAPE_ID_PATTERN)

/** Client -> server Easel messages. */
export const clientMessage = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('hello'),
    /** The client's {@link PROTOCOL_VERSION}. */
    protocol: z.number().int(),
    /**
     * Display name for conflict notices and lock badges. The server normalises it (trimmed, no
     * control characters, at most 64 characters) and stamps it itself wherever others see it.
     */
    name: z.string().max(256).optional(),
    /** Colour shown with the name: `#rrggbb`, else the server picks one. */
    color: z.string().max(64).optional(),
    /**
     * The `resume` secret of an earlier `welcome` in this room: the socket continues that session
     * (same public id, so its leases and idempotency records stay with it). Invalid or absent: a
     * new session.
     */
    resume: z.string().max(256).optional(),
  }),
  /** A versioned commit (tier 2); answered by `commitResult` with the same opId. */
  commitRequest.extend({
    t: z.literal('commit'),
    /**
     * The resume secret of the session that made the commit, when that is not this socket's (a
     * commit queued by a tab that was closed, replayed by a new one): the server judges it as that
     * session's, so its recorded answer and its lease count. Only that session's tab knows it.
     */
    as: z.string().max(256).optional(),
  }),
  /** Ask for the lease on a shape; `wait` queues the client if someone else holds it. */
  z.object({ t: z.literal('lock.acquire'), shapeId, wait: z.boolean().default(false) }),
  /** Keep the lease alive; `activity` means the user typed since the last renewal. */
  z.object({ t: z.literal('lock.renew'), shapeId, token: z.number().int(), activity: z.boolean() }),
  z.object({ t: z.literal('lock.release'), shapeId, token: z.number().int() }),
  z.object({ t: z.literal('lock.cancelWait'), shapeId }),
])
export type ClientMessage = z.input<typeof clientMessage>
export type ParsedClientMessage = z.infer<typeof clientMessage>

/**
 * A lease as a recipient sees it. `expiresIn` is relative: clients have their own clocks. The
 * fencing token is not in it (it goes only to the holder, in `lock.granted` and `lock.renewed`);
 * `mine` says whether the recipient's session holds it.
 */
export const leaseInfo = z.object({
  shapeId: z.string(),
  /** The holder's public session id. */
  holderId: z.string(),
  holderName: z.string(),
  holderColor: z.string(),
  mine: z.boolean(),
  expiresIn: z.number(),
})
export type LeaseInfo = z.infer<typeof leaseInfo>

/** Why a lock request was refused without a holder to wait for. */
export const lockDeniedReason = z.enum(['view-only', 'unavailable', 'offline', 'unknown_shape', 'limit'])
export type LockDeniedReason = z.infer<typeof lockDeniedReason>

/** Why a holder lost its lease. */
export const leaseLostReason = z.enum(['expired', 'idle', 'released', 'disconnected', 'superseded'])

/** Server -> client Easel messages. */
export const serverMessage = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('welcome'),
    protocol: z.number().int(),
    /** Server's wall-clock time in ms, for display only (leases use the server's monotonic clock). */
    serverTime: z.number(),
    /** Lease timings in force, so the client renews at ttl/3. */
    lease: z.object({ ttlMs: z.number(), idleMs: z.number() }),
    /** False when the connection is view-only. */
    canEdit: z.boolean(),
    /** This session's public id: what others see as `holderId` and in awareness `user.sessionId`. */
    sessionId: z.string(),
    /**
     * The secret that resumes this session in a later `hello` (a reconnect, a reload, a server
     * restart). Kept by the tab, never shown to others.
     */
    resume: z.string(),
  }),
  z.object({ t: z.literal('commitResult'), opId: z.string(), result: z.custom<CommitResult>() }),
  z.object({
    t: z.literal('lock.granted'),
    shapeId: z.string(),
    token: z.number().int(),
    expiresIn: z.number(),
  }),
  z.object({
    t: z.literal('lock.denied'),
    shapeId: z.string(),
    holderName: z.string(),
    holderColor: z.string(),
    /** 1-based place in the queue when the client chose to wait, else null. */
    position: z.number().int().nullable(),
    /**
     * Why it was refused outright: view-only, the authority is unreachable, the shape does not
     * exist (`unknown_shape`), or the session holds or awaits too many leases (`limit`).
     */
    reason: lockDeniedReason.optional(),
  }),
  z.object({
    t: z.literal('lock.renewed'),
    shapeId: z.string(),
    token: z.number().int(),
    expiresIn: z.number(),
  }),
  /** The holder's lease ended without it asking (expired, idle, or taken after expiry). */
  z.object({
    t: z.literal('lock.lost'),
    shapeId: z.string(),
    token: z.number().int(),
    reason: leaseLostReason,
  }),
  /** Every live lease in the room; sent once, after `hello`. */
  z.object({ t: z.literal('leases'), leases: z.array(leaseInfo) }),
  /** After a lease operation that changed something: leases granted or changed, and shapes freed. */
  z.object({ t: z.literal('leases.changed'), set: z.array(leaseInfo), removed: z.array(z.string()) }),
  z.object({
    t: z.literal('error'),
    /** Machine-readable reason, e.g. `bad_message`. */
    code: z.string(),
    message: z.string(),
  }),
])
export type ServerMessage = z.infer<typeof serverMessage>

/** Encodes an Easel message as a complete frame. */
export function encodeEaselFrame(message: ClientMessage | ServerMessage): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Easel)
  encoding.writeVarString(encoder, JSON.stringify(message))
  return encoding.toUint8Array(encoder)
}

/** Thrown for any frame that cannot be decoded; the server answers it with {@link CloseCode.MalformedMessage}. */
export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError'
}

/**
 * Parses the JSON payload of an Easel frame (the decoder positioned after the type) against a
 * schema. Throws {@link MalformedMessageError} with a readable reason.
 */
export function readEaselPayload<T>(decoder: decoding.Decoder, schema: z.ZodType<T>): T {
  let raw: unknown
  try {
    raw = JSON.parse(decoding.readVarString(decoder))
  } catch (err) {
    throw new MalformedMessageError(`easel payload is not JSON: ${(err as Error).message}`)
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    throw new MalformedMessageError(`invalid easel message: ${z.prettifyError(parsed.error)}`)
  }
  return parsed.data
}
