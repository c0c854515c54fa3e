import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import {
  CloseCode,
  clientMessage,
  type LeaseConfig,
  MalformedMessageError,
  MessageType,
  PROTOCOL_VERSION,
  ROOT_META,
  ROOT_SHAPES,
  ROOT_VERSIONED,
  readEaselPayload,
} from '@easel/shared'
import { normaliseColor, normaliseName, type SessionKeys } from './authority/identity.ts'
import type { Connection } from './Connection.ts'
import type { Extension, RoomContext } from './Extension.ts'
import type { Meter } from './observability/telemetry.ts'
import { TokenBucket } from './rateLimit.ts'
import { nextTurn, sliceSpent } from './fairness.ts'
import {
  inspectUpdate,
  inspectUpdateInSteps,
  type ProtectionRules,
  type UpdateVerdict,
} from './protectedState.ts'

/**
 * What a plain Yjs update from a client may not do: touch the server-written roots, remove a
 * shape (deletion is a versioned commit; a removed entry could not be restored or reported), or
 * write anything the shape schema rejects (every other client would have to skip it, forever).
 */
export const PROTECTION: ProtectionRules = {
  protectedRoots: new Set([ROOT_VERSIONED, ROOT_META]),
  appendOnlyRoots: new Set([ROOT_SHAPES]),
  schema: { shapesRoot: ROOT_SHAPES, roots: new Set([ROOT_SHAPES, ROOT_VERSIONED, ROOT_META]) },
}

/**
 * Consecutive updates a connection may send that depend on history the server lacks, each
 * answered with a resync request, before it is closed with {@link CloseCode.UnintegrableUpdate}.
 * An honest client sends at most a few (edits made between its reconnect and its sync step 2).
 */
export const MAX_UNRESOLVED_UPDATES = 20

/**
 * Updates longer than this are inspected in steps, yielding the event loop between them (see
 * fairness.ts): an import of thousands of shapes does not stall every other room. Shorter ones,
 * almost every frame, are inspected at once.
 */
export const STEPPED_INSPECTION_BYTES = 64 * 1024

/** Between two steps of an inspection: the next turn of the event loop once this one's slice is spent. */
const pauseWhenSliceSpent = () => (sliceSpent() ? nextTurn() : undefined)

/** What one connection may put into a room's awareness (config `awareness*`). */
export type AwarenessLimits = {
  /** Bytes of one awareness update. */
  maxBytes: number
  /** Awareness client ids one connection may announce. */
  maxIds: number
  /** Awareness frames per second of one connection, and the burst above it. */
  perSec: number
  burst: number
}

export const DEFAULT_AWARENESS_LIMITS: AwarenessLimits = {
  maxBytes: 32 * 1024,
  maxIds: 4,
  perSec: 30,
  burst: 100,
}

/** What frame handling needs of its room. */
export interface FrameRoom extends RoomContext {
  readonly awareness: awarenessProtocol.Awareness
  /** The whole document as one update; cached until the document changes. */
  encodedState(): Uint8Array
}

/**
 * Drops everyone and has the room forgotten: its document in memory no longer matches storage.
 */
export type BreakRoom = (code: CloseCode, reason: string, detail: string) => void

/**
 * Handles the frames clients send to one room: sync steps and updates (inspected, then
 * integrated), awareness, and Easel messages (dispatched to the extensions).
 */
export class ClientFrames {
  /** Set while a client update is being integrated, if that went wrong. */
  private integrationFault: string | null = null
  private faultChangedDoc = false

  /** Each connection's awareness frame budget. */
  private readonly awarenessBuckets = new WeakMap<Connection, TokenBucket>()

  constructor(
    private readonly room: FrameRoom,
    private readonly options: {
      lease: LeaseConfig
      extensions: readonly Extension[]
      /** Issues and checks session ids and resume secrets. */
      sessions: SessionKeys
      awareness?: AwarenessLimits
      maxDocBytes: number
      meter?: Meter
    },
    private readonly breakRoom: BreakRoom,
  ) {}

  /**
   * Whether a document update is half of a client update that failed to integrate: such an update
   * is neither stored nor broadcast (the integration discards the room instead).
   */
  discardsUpdate(): boolean {
    if (this.integrationFault === null) return false
    this.faultChangedDoc = true
    return true
  }

  /**
   * Handles one frame from a client; a promise while a large update is being inspected (the room
   * runs no other task of its own meanwhile). A frame that does not decode closes the connection
   * with {@link CloseCode.MalformedMessage}; an error while handling it with
   * {@link CloseCode.InternalError}.
   */
  handle(conn: Connection, data: Uint8Array): undefined | Promise<void> {
    try {
      const pending = this.handleFrame(conn, data)
      return pending?.catch((err: unknown) => this.failFrame(conn, err))
    } catch (err) {
      this.failFrame(conn, err)
      return undefined
    }
  }

  private failFrame(conn: Connection, err: unknown): void {
    if (err instanceof MalformedMessageError) {
      conn.log.warn({ err: err.message }, 'malformed frame')
      conn.close(CloseCode.MalformedMessage, err.message)
    } else {
      conn.log.error({ err }, 'error handling frame')
      conn.close(CloseCode.InternalError, 'internal error')
    }
  }

  private handleFrame(conn: Connection, data: Uint8Array): undefined | Promise<void> {
    const decoder = decoding.createDecoder(data)
    let type: number
    try {
      type = decoding.readVarUint(decoder)
    } catch {
      throw new MalformedMessageError('empty or truncated frame')
    }
    switch (type) {
      case MessageType.Sync:
        return this.handleSync(conn, decoder)
      case MessageType.Awareness:
        this.handleAwareness(conn, readBytes(decoder))
        return
      case MessageType.QueryAwareness: {
        // Everyone's presence: charged like a whole-document reply.
        if (!conn.mayRequestSync()) {
          conn.trip('rate_bytes', { reason: 'awareness queries' })
          conn.close(CloseCode.RateLimited, 'rate limited: too many whole-presence requests')
          return
        }
        const reply = awarenessFrame(this.room.awareness)
        conn.chargeReply(reply.byteLength)
        conn.send(reply)
        return
      }
      case MessageType.Auth:
        // Connections are authenticated before they join (the `onAuthenticate` hooks).
        return
      case MessageType.Easel:
        this.handleEasel(conn, decoder)
        return
      default:
        throw new MalformedMessageError(`unknown message type ${type}`)
    }
  }

  private handleSync(conn: Connection, decoder: decoding.Decoder): undefined | Promise<void> {
    let step: number
    try {
      step = decoding.readVarUint(decoder)
    } catch {
      throw new MalformedMessageError('truncated sync message')
    }
    switch (step) {
      case syncProtocol.messageYjsSyncStep1: {
        const stateVector = readBytes(decoder)
        if (!conn.mayRequestSync()) {
          conn.trip('rate_bytes', { reason: 'sync replies' })
          conn.close(CloseCode.RateLimited, 'rate limited: too many whole-document requests')
          return
        }
        let reply: Uint8Array
        try {
          reply = this.syncReply(stateVector)
        } catch {
          throw new MalformedMessageError('invalid state vector')
        }
        const encoder = encoding.createEncoder()
        encoding.writeVarUint(encoder, MessageType.Sync)
        encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2)
        encoding.writeVarUint8Array(encoder, reply)
        conn.chargeReply(reply.byteLength)
        conn.send(encoding.toUint8Array(encoder))
        return
      }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate:
        return this.applyClientUpdate(conn, readBytes(decoder))
      default:
        throw new MalformedMessageError(`unknown sync step ${step}`)
    }
  }

  /**
   * What a client with state vector `stateVector` lacks. A client that has none of the document
   * (a first join, or one whose only history is its own offline edits) lacks all of it: that is the
   * room's cached encoding, byte for byte what `encodeStateAsUpdate` would write. Otherwise the
   * difference is encoded from the document, which is fast for a client that has most of it
   * (`Y.diffUpdate` of the cached state decodes the whole of it: 10-70x slower, measured).
   */
  private syncReply(stateVector: Uint8Array): Uint8Array {
    const doc = this.room.doc
    for (const [client, clock] of Y.decodeStateVector(stateVector)) {
      if (clock > 0 && Y.getState(doc.store, client) > 0) return Y.encodeStateAsUpdate(doc, stateVector)
    }
    return this.room.encodedState()
  }

  private applyClientUpdate(conn: Connection, update: Uint8Array): undefined | Promise<void> {
    this.options.meter?.updateIn(update.byteLength)
    const undecodable = (err: unknown) =>
      new MalformedMessageError(`invalid Yjs update: ${(err as Error).message}`)
    if (update.byteLength > STEPPED_INSPECTION_BYTES) {
      return inspectUpdateInSteps(this.room.doc, update, PROTECTION, pauseWhenSliceSpent).then(
        (verdict) => this.decide(conn, update, verdict),
        (err: unknown) => {
          throw undecodable(err)
        },
      )
    }
    let verdict: UpdateVerdict
    try {
      verdict = inspectUpdate(this.room.doc, update, PROTECTION)
    } catch (err) {
      throw undecodable(err)
    }
    this.decide(conn, update, verdict)
    return undefined
  }

  /** Acts on the verdict on a client's update: integrates it, or refuses it as the verdict says. */
  private decide(conn: Connection, update: Uint8Array, verdict: UpdateVerdict): void {
    switch (verdict.kind) {
      case 'forbidden':
        conn.log.warn({ reason: verdict.reason }, 'refused update to protected state')
        conn.close(CloseCode.ProtectedState, verdict.reason)
        return
      case 'invalid':
        conn.trip('schema', { reason: verdict.reason })
        conn.close(CloseCode.InvalidContent, verdict.reason)
        return
      case 'malformed':
        throw new MalformedMessageError(`invalid Yjs update: ${verdict.reason}`)
      case 'incomplete':
        this.resync(conn, verdict.reason)
        return
      case 'ok':
    }
    if (conn.readOnly) {
      // y-websocket's read-only rule: the update is dropped (neither stored nor broadcast) and the
      // socket kept, since a viewer's editor may still produce local changes it cannot send.
      if (!isNoop(update)) conn.log.debug('dropped an update from a view-only connection')
      return
    }
    const growth = this.growth(update)
    if (this.room.docBytes + growth > this.options.maxDocBytes) {
      conn.trip('doc_size', { docBytes: this.room.docBytes, update: growth, max: this.options.maxDocBytes })
      conn.close(CloseCode.BoardFull, 'the board is full: this change would pass its size limit')
      return
    }
    this.integrate(conn, update)
  }

  /**
   * How much `update` may add to the document, an upper bound: its length, or, when that alone
   * would pass the cap, the length of what the document does not have yet (a client's sync step 2
   * repeats much of the document; only near the cap is it worth computing the difference).
   */
  private growth(update: Uint8Array): number {
    if (this.room.docBytes + update.byteLength <= this.options.maxDocBytes) return update.byteLength
    return Y.diffUpdate(update, Y.encodeStateVector(this.room.doc)).byteLength
  }

  /**
   * Integrates a checked update. Anything Yjs could not integrate (it would stay pending) is
   * dropped and the sender resynced; an update that throws half-way leaves the document in an
   * unknown state, so the room is discarded and reloaded from disk instead of stored.
   */
  private integrate(conn: Connection, update: Uint8Array): void {
    const doc = this.room.doc
    const store = doc.store
    let pending = false
    doc.transact(() => {
      try {
        Y.applyUpdate(doc, update, conn)
      } catch (err) {
        this.integrationFault = `integrating an update threw: ${(err as Error).message}`
        return
      }
      if (store.pendingStructs !== null || store.pendingDs !== null) {
        // What did integrate is consistent on its own; the rest never enters the room.
        store.pendingStructs = null
        store.pendingDs = null
        pending = true
      }
    }, conn)
    if (this.integrationFault !== null) {
      const fault = this.integrationFault
      const changed = this.faultChangedDoc
      this.integrationFault = null
      this.faultChangedDoc = false
      conn.log.warn({ reason: fault }, 'update could not be integrated')
      conn.close(CloseCode.MalformedMessage, 'update could not be integrated')
      // If it changed the document half-way, memory and disk differ: reload from disk, and let
      // everyone else resync (they keep their edits).
      if (changed) this.breakRoom(CloseCode.ServiceRestart, 'room reloaded; resyncing', fault)
      return
    }
    if (pending) this.resync(conn, 'update left structs pending')
    else conn.unresolvedUpdates = 0
  }

  /**
   * The sender's update depends on history the server does not have (for example edits it made
   * before its sync step 2 arrived). It is dropped, and the sender is sent the server's state
   * vector: its sync step 2 reply carries everything missing, the dropped edits included.
   */
  private resync(conn: Connection, reason: string): void {
    conn.unresolvedUpdates++
    if (conn.unresolvedUpdates > MAX_UNRESOLVED_UPDATES) {
      conn.close(CloseCode.UnintegrableUpdate, `updates depend on unknown history: ${reason}`)
      return
    }
    conn.log.debug({ reason }, 'incomplete update; asking the client to resync')
    conn.send(syncStep1Frame(this.room.doc))
  }

  /**
   * An awareness update, checked entry by entry before it reaches the room: within the size and
   * rate caps, only for client ids this connection owns (the first connection to announce an id
   * owns it until it leaves), at most `maxIds` of them, and with each state's `user` replaced by
   * the server's stamp of who the connection is. What is left is applied as the connection's.
   */
  private handleAwareness(conn: Connection, update: Uint8Array): void {
    this.options.meter?.awareness()
    const limits = this.options.awareness ?? DEFAULT_AWARENESS_LIMITS
    if (update.byteLength > limits.maxBytes) {
      conn.trip('awareness_size', { bytes: update.byteLength })
      return
    }
    let bucket = this.awarenessBuckets.get(conn)
    if (!bucket) {
      bucket = new TokenBucket(limits.perSec, limits.burst)
      this.awarenessBuckets.set(conn, bucket)
    }
    if (!bucket.take()) {
      conn.trip('awareness_rate')
      return
    }
    const entries = decodeAwarenessUpdate(update)
    const kept: AwarenessEntry[] = []
    const announced = new Set(conn.awarenessIds)
    const { meta, states } = this.room.awareness
    for (const e of entries) {
      // What awareness would ignore anyway: stock y-websocket clients echo every change they
      // receive, other clients' states included. Those are neither applied nor counted.
      const clock = meta.get(e.clientId)?.clock
      const current =
        clock !== undefined &&
        (e.clock < clock || (e.clock === clock && (e.state !== null || !states.has(e.clientId))))
      if (current) continue
      // Most frames in a large room are echoes, skipped above: the owner is looked up only for
      // what is left (one pass over the room's connections, no map built per frame).
      if (e.clientId === this.room.awareness.clientID || this.ownedByOther(conn, e.clientId)) {
        conn.trip('awareness_foreign', { clientId: e.clientId })
        continue
      }
      if (e.state === null) {
        // Removal: only of one's own state.
        if (announced.has(e.clientId)) kept.push(e)
        continue
      }
      if (!announced.has(e.clientId)) {
        if (announced.size >= limits.maxIds) {
          conn.trip('awareness_ids', { ids: announced.size + 1 })
          continue
        }
        announced.add(e.clientId)
      }
      if (!isRecord(e.state)) continue
      kept.push({
        ...e,
        state: { ...e.state, user: { name: conn.name, color: conn.color, sessionId: conn.sessionId } },
      })
    }
    if (kept.length === 0) return
    // Owned from now on, whether awareness reports the id as added or (announced before, then
    // removed) as updated.
    for (const e of kept) {
      if (e.state === null) conn.awarenessIds.delete(e.clientId)
      else conn.awarenessIds.add(e.clientId)
    }
    awarenessProtocol.applyAwarenessUpdate(this.room.awareness, encodeAwarenessUpdate(kept), conn)
  }

  /** Whether another connection in the room announced awareness client id `id`. */
  private ownedByOther(conn: Connection, id: number): boolean {
    for (const c of this.room.conns) if (c !== conn && c.awarenessIds.has(id)) return true
    return false
  }

  private handleEasel(conn: Connection, decoder: decoding.Decoder): void {
    const start = decoder.pos
    const message = readEaselPayload(decoder, clientMessage)
    if (message.t === 'hello') {
      // As sent, byte for byte (fields the schema does not know included).
      const hello = Buffer.from(decoder.arr.subarray(start, decoder.pos)).toString('latin1')
      if (conn.easel) {
        // The very same hello again changes nothing (a frame delivered twice): it is dropped. The
        // session is fixed once chosen: any other would let a socket become another.
        if (hello === conn.hello) return
        throw new MalformedMessageError('hello sent twice')
      }
      if (message.protocol !== PROTOCOL_VERSION) {
        conn.close(CloseCode.ProtocolMismatch, `server speaks protocol ${PROTOCOL_VERSION}`)
        return
      }
      const { sessions } = this.options
      const session =
        (message.resume === undefined ? null : sessions.resume(this.room.name, message.resume)) ??
        sessions.issue(this.room.name)
      conn.easel = true
      conn.hello = hello
      conn.sessionId = session.sessionId
      conn.resume = session.resume
      conn.name = normaliseName(message.name)
      conn.color = normaliseColor(message.color, session.sessionId)
      conn.sendEasel({
        t: 'welcome',
        protocol: PROTOCOL_VERSION,
        serverTime: Date.now(),
        lease: { ttlMs: this.options.lease.ttlMs, idleMs: this.options.lease.idleMs },
        canEdit: !conn.readOnly,
        sessionId: conn.sessionId,
        resume: session.resume,
      })
      for (const ext of this.options.extensions) ext.onHello?.(this.room, conn)
      return
    }
    if (!conn.easel) throw new MalformedMessageError('easel message before hello')
    for (const ext of this.options.extensions) if (ext.onMessage?.(this.room, conn, message)) return
    conn.sendEasel({ t: 'error', code: 'unsupported', message: `no handler for ${message.t}` })
  }
}

/** A sync step 1 frame: the server's state vector, asking the client for what the server lacks. */
export function syncStep1Frame(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  syncProtocol.writeSyncStep1(encoder, doc)
  return encoding.toUint8Array(encoder)
}

/** An awareness frame with the given clients' states (default: everyone known). */
export function awarenessFrame(
  awareness: awarenessProtocol.Awareness,
  clients: number[] = [...awareness.getStates().keys()],
): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Awareness)
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, clients))
  return encoding.toUint8Array(encoder)
}

/** One client's entry in an awareness update (y-protocols' encoding). */
export type AwarenessEntry = { clientId: number; clock: number; state: unknown }

/**
 * Decodes an awareness update: varUint count, then per entry varUint client id, varUint clock and
 * a varString holding the JSON state (`null` to remove it). Throws {@link MalformedMessageError}.
 */
export function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
  try {
    const decoder = decoding.createDecoder(update)
    const count = decoding.readVarUint(decoder)
    const entries: AwarenessEntry[] = []
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder)
      const clock = decoding.readVarUint(decoder)
      const state: unknown = JSON.parse(decoding.readVarString(decoder))
      entries.push({ clientId, clock, state })
    }
    return entries
  } catch (err) {
    throw new MalformedMessageError(`invalid awareness update: ${(err as Error).message}`)
  }
}

export function encodeAwarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const e of entries) {
    encoding.writeVarUint(encoder, e.clientId)
    encoding.writeVarUint(encoder, e.clock)
    encoding.writeVarString(encoder, JSON.stringify(e.state))
  }
  return encoding.toUint8Array(encoder)
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function readBytes(decoder: decoding.Decoder): Uint8Array {
  try {
    return decoding.readVarUint8Array(decoder)
  } catch {
    throw new MalformedMessageError('truncated payload')
  }
}

/** An update with no structs and no deletions (what a client with nothing new sends as step 2). */
function isNoop(update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update)
  return structs.length === 0 && ds.clients.size === 0
}
