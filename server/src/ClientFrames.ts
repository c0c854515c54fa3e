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
import type { Connection } from './Connection.ts'
import type { Extension, RoomContext } from './Extension.ts'
import { inspectUpdate, type ProtectionRules } from './protectedState.ts'

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

/** What frame handling needs of its room. */
export interface FrameRoom extends RoomContext {
  readonly awareness: awarenessProtocol.Awareness
  /** Size of the document in bytes (an upper bound), for `maxDocBytes`. */
  readonly docBytes: number
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

  constructor(
    private readonly room: FrameRoom,
    private readonly options: {
      lease: LeaseConfig
      extensions: readonly Extension[]
      maxDocBytes: number
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
   * Handles one frame from a client. A frame that does not decode closes the connection with
   * {@link CloseCode.MalformedMessage}; an error while handling it with
   * {@link CloseCode.InternalError}.
   */
  handle(conn: Connection, data: Uint8Array): void {
    try {
      this.handleFrame(conn, data)
    } catch (err) {
      if (err instanceof MalformedMessageError) {
        conn.log.warn({ err: err.message }, 'malformed frame')
        conn.close(CloseCode.MalformedMessage, err.message)
      } else {
        conn.log.error({ err }, 'error handling frame')
        conn.close(CloseCode.InternalError, 'internal error')
      }
    }
  }

  private handleFrame(conn: Connection, data: Uint8Array): void {
    const decoder = decoding.createDecoder(data)
    let type: number
    try {
      type = decoding.readVarUint(decoder)
    } catch {
      throw new MalformedMessageError('empty or truncated frame')
    }
    switch (type) {
      case MessageType.Sync:
        this.handleSync(conn, decoder)
        return
      case MessageType.Awareness: {
        const update = readBytes(decoder)
        try {
          awarenessProtocol.applyAwarenessUpdate(this.room.awareness, update, conn)
        } catch (err) {
          throw new MalformedMessageError(`invalid awareness update: ${(err as Error).message}`)
        }
        return
      }
      case MessageType.QueryAwareness:
        conn.send(awarenessFrame(this.room.awareness))
        return
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

  private handleSync(conn: Connection, decoder: decoding.Decoder): void {
    let step: number
    try {
      step = decoding.readVarUint(decoder)
    } catch {
      throw new MalformedMessageError('truncated sync message')
    }
    switch (step) {
      case syncProtocol.messageYjsSyncStep1: {
        const stateVector = readBytes(decoder)
        let reply: Uint8Array
        try {
          reply = Y.encodeStateAsUpdate(this.room.doc, stateVector)
        } catch {
          throw new MalformedMessageError('invalid state vector')
        }
        const encoder = encoding.createEncoder()
        encoding.writeVarUint(encoder, MessageType.Sync)
        encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep2)
        encoding.writeVarUint8Array(encoder, reply)
        conn.send(encoding.toUint8Array(encoder))
        return
      }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate:
        this.applyClientUpdate(conn, readBytes(decoder))
        return
      default:
        throw new MalformedMessageError(`unknown sync step ${step}`)
    }
  }

  private applyClientUpdate(conn: Connection, update: Uint8Array): void {
    let verdict: ReturnType<typeof inspectUpdate>
    try {
      verdict = inspectUpdate(this.room.doc, update, PROTECTION)
    } catch (err) {
      throw new MalformedMessageError(`invalid Yjs update: ${(err as Error).message}`)
    }
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
      if (!isNoop(update)) conn.close(CloseCode.Forbidden, 'view-only connection cannot edit')
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

  private handleEasel(conn: Connection, decoder: decoding.Decoder): void {
    const message = readEaselPayload(decoder, clientMessage)
    if (message.t === 'hello') {
      if (message.protocol !== PROTOCOL_VERSION) {
        conn.close(CloseCode.ProtocolMismatch, `server speaks protocol ${PROTOCOL_VERSION}`)
        return
      }
      conn.easel = true
      if (message.name) conn.name = message.name
      if (message.color) conn.color = message.color
      if (message.clientId) conn.clientId = message.clientId
      conn.sendEasel({
        t: 'welcome',
        protocol: PROTOCOL_VERSION,
        serverTime: Date.now(),
        lease: { ttlMs: this.options.lease.ttlMs, idleMs: this.options.lease.idleMs },
        canEdit: !conn.readOnly,
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
