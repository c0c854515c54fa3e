import type * as decoding from 'lib0/decoding'
import type * as encoding from 'lib0/encoding'
import { IndexeddbPersistence } from 'y-indexeddb'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import {
  type ClientMessage,
  encodeEaselFrame,
  MessageType,
  PROTOCOL_VERSION,
  randomUuid,
  readEaselPayload,
  type ServerMessage,
  serverMessage,
} from '@easel/shared'

export type ConnectionStatus = 'connected' | 'connecting' | 'offline'

/** What the connection indicator shows. */
export type ConnectionState = {
  status: ConnectionStatus
  /** True once the server's state has been merged after the latest (re)connect. */
  synced: boolean
  /** Local changes made while not synced with the server (kept across reloads). */
  unsynced: number
  /** Set when the server closed the socket for good (4400-4499), with its reason. */
  closedReason: string | null
}

export type BoardSyncOptions = {
  /** `ws(s)://host/ws`; the room is appended by the provider. */
  serverUrl: string
  name: string
  color: string
  /** Keep a copy in IndexedDB (off in unit tests, which have no IndexedDB). */
  offline?: boolean
}

/**
 * A board's replication: the Y.Doc, its IndexedDB copy (offline edits survive reloads) and the
 * y-websocket provider, plus Easel's extra messages on the same socket.
 */
export class BoardSync {
  readonly doc = new Y.Doc()
  readonly provider: WebsocketProvider
  readonly idb: IndexeddbPersistence | null
  /** Resolves once the IndexedDB copy has been loaded into the doc (immediately without one). */
  readonly localReady: Promise<void>
  private state: ConnectionState
  private readonly listeners = new Set<() => void>()
  private readonly easelListeners = new Set<(m: ServerMessage) => void>()
  private welcomed = false
  private readonly unsyncedKey: string
  /** This tab's session id: leases belong to it, across reconnects of the socket. */
  readonly clientId = randomUuid()

  /** Display name sent with the next hello (renaming takes effect on reconnect). */
  name: string

  constructor(
    readonly room: string,
    options: BoardSyncOptions,
  ) {
    this.name = options.name
    this.unsyncedKey = `easel:unsynced:${room}`
    this.state = {
      status: 'connecting',
      synced: false,
      unsynced: Number(globalThis.localStorage?.getItem(this.unsyncedKey) ?? 0) || 0,
      closedReason: null,
    }
    this.idb = options.offline === false ? null : new IndexeddbPersistence(`easel:${room}`, this.doc)
    this.localReady = this.idb ? this.idb.whenSynced.then(() => undefined) : Promise.resolve()

    this.provider = new WebsocketProvider(options.serverUrl, room, this.doc, {
      connect: navigator.onLine !== false,
      maxBackoffTime: 5000,
    })
    this.provider.messageHandlers[MessageType.Easel] = (
      _encoder: encoding.Encoder,
      decoder: decoding.Decoder,
    ) => {
      let message: ServerMessage
      try {
        message = readEaselPayload(decoder, serverMessage)
      } catch (err) {
        console.warn('ignoring malformed server message', err)
        return
      }
      if (message.t === 'welcome') {
        this.welcomed = true
        for (const l of this.easelListeners) l(message)
        this.update({})
        return
      }
      for (const l of this.easelListeners) l(message)
    }
    this.provider.on('status', ({ status }: { status: string }) => {
      if (status === 'connected') {
        this.welcomed = false
        this.rawSend({
          t: 'hello',
          protocol: PROTOCOL_VERSION,
          name: this.name,
          color: options.color,
          clientId: this.clientId,
        })
      }
      this.update({
        status: status === 'connected' ? 'connected' : navigator.onLine === false ? 'offline' : 'connecting',
        synced: status === 'connected' ? this.state.synced : false,
      })
    })
    this.provider.on('sync', (synced: boolean) => {
      this.update(synced ? { synced, unsynced: 0 } : { synced })
    })
    this.provider.on('closed', ({ code, reason }: { code: number; reason: string }) => {
      this.update({ status: 'offline', closedReason: `${reason || 'closed by server'} (${code})` })
    })
    this.doc.on('update', this.onDocUpdate)
    window.addEventListener('offline', this.goOffline)
    window.addEventListener('online', this.goOnline)
    if (navigator.onLine === false) this.update({ status: 'offline' })
  }

  private readonly onDocUpdate = (_update: Uint8Array, origin: unknown) => {
    if (origin === this.provider || origin === this.idb) return
    if (!(this.state.status === 'connected' && this.state.synced)) {
      this.update({ unsynced: this.state.unsynced + 1 })
    }
  }

  private readonly goOffline = () => {
    this.provider.disconnect()
    this.update({ status: 'offline', synced: false })
  }

  private readonly goOnline = () => {
    this.update({ status: 'connecting' })
    this.provider.connect()
  }

  private update(patch: Partial<ConnectionState>): void {
    this.state = { ...this.state, ...patch }
    if ('unsynced' in patch) {
      if (this.state.unsynced > 0) localStorage.setItem(this.unsyncedKey, String(this.state.unsynced))
      else localStorage.removeItem(this.unsyncedKey)
    }
    for (const l of this.listeners) l()
  }

  getState = (): ConnectionState => this.state

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** True when Easel messages can be sent now (connected and greeted). */
  get easelReady(): boolean {
    return this.welcomed && this.provider.wsconnected
  }

  onEasel(listener: (m: ServerMessage) => void): () => void {
    this.easelListeners.add(listener)
    return () => this.easelListeners.delete(listener)
  }

  /** Sends an Easel message; false if the socket is not open (the caller retries later). */
  sendEasel(message: ClientMessage): boolean {
    if (!this.easelReady) return false
    return this.rawSend(message)
  }

  private rawSend(message: ClientMessage): boolean {
    const ws = this.provider.ws
    if (!ws || ws.readyState !== WebSocket.OPEN) return false
    ws.send(encodeEaselFrame(message) as Uint8Array<ArrayBuffer>)
    return true
  }

  destroy(): void {
    window.removeEventListener('offline', this.goOffline)
    window.removeEventListener('online', this.goOnline)
    this.doc.off('update', this.onDocUpdate)
    this.provider.destroy()
    this.idb?.destroy()
    this.doc.destroy()
  }
}
