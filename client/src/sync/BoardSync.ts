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
  readEaselPayload,
  type ServerMessage,
  serverMessage,
} from '@easel/shared'
import { defaultStorage, deleteDatabase, UnsyncedCounter } from './localCopy.ts'
import { ReconnectTimer, type RetryHint, type SyncProblem } from './reconnect.ts'
import { type KeyValueStorage, roomStorageKeys } from './roomStorage.ts'

export type { RetryHint, SyncProblem } from './reconnect.ts'

export type ConnectionStatus = 'connected' | 'connecting' | 'offline'

/** What the connection indicator shows. */
export type ConnectionState = {
  status: ConnectionStatus
  /** True once the server's state has been merged after the latest (re)connect. */
  synced: boolean
  /** Things the user did while not synced with the server (kept across reloads); see countLocalChange. */
  unsynced: number
  /** Set while reconnecting after the server or the network closed the socket; null once synced. */
  retrying: RetryHint | null
  /** Set when the client stopped for good; it stays stopped until the page offers a way back. */
  problem: SyncProblem | null
}

export type BoardSyncOptions = {
  /** `ws(s)://host/ws`; the room is appended by the provider. */
  serverUrl: string
  name: string
  color: string
  /** Keep a copy in IndexedDB (default true). */
  offline?: boolean
  /** IndexedDB database name for the local copy (default `easel:${room}`). */
  localStoreName?: string
  /** WebSocket class (default globalThis.WebSocket); Node passes `ws`. */
  WebSocket?: typeof WebSocket
  /** Where the unsynced counter lives (default localStorage; null = nowhere). */
  storage?: KeyValueStorage | null
  /** Source of 'online'/'offline' events (default window; null = none). */
  events?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | null
  /** Whether the browser thinks it is online (default () => navigator.onLine !== false). */
  isOnline?: () => boolean
  /** A share link or the owner's token: sent as the socket URL's `k` parameter. */
  token?: string
  /**
   * Where the tab keeps its session's resume secret, per room (default sessionStorage: a reload
   * of the tab continues the session and keeps its leases; another tab is another session).
   * null: only in memory, for this instance's reconnects.
   */
  sessionStorage?: KeyValueStorage | null
}

/** sessionStorage key of a room's resume secret. */
export const resumeKey = (room: string) => `easel:resume:${room}`

function defaultSessionStorage(): KeyValueStorage | null {
  try {
    return globalThis.sessionStorage ?? null
  } catch {
    return null
  }
}

/** WebSocket.OPEN: the same number in every implementation, and the global may not exist (Node). */
const WS_OPEN = 1

const inBrowser = typeof window !== 'undefined' && typeof document !== 'undefined'

/**
 * A board's replication: the Y.Doc, its IndexedDB copy (offline edits survive reloads) and the
 * y-websocket provider, plus Easel's extra messages on the same socket. Every close the server
 * sends goes through the close policy: transient ones reconnect at the policy's pace, permanent
 * ones stop and set `problem`, keeping the local copy.
 */
export class BoardSync {
  readonly doc = new Y.Doc()
  readonly provider: WebsocketProvider
  readonly idb: IndexeddbPersistence | null
  /** Resolves once the IndexedDB copy has been loaded into the doc (immediately without one). */
  readonly localReady: Promise<void>
  /**
   * This tab's session, as the server named it in the last `welcome` (null before the first):
   * leases belong to it, across reconnects and reloads of the tab.
   */
  sessionId: string | null = null
  /** The secret that resumes the session; sent only to this room's server. */
  private resume: string | null
  private readonly sessionStore: KeyValueStorage | null
  private state: ConnectionState
  private readonly listeners = new Set<() => void>()
  private readonly easelListeners = new Set<(m: ServerMessage) => void>()
  private welcomed = false
  private readonly unsynced: UnsyncedCounter
  private readonly events: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | null
  private readonly isOnline: () => boolean
  private readonly reconnect = new ReconnectTimer(() => {
    if (!this.destroyed && !this.state.problem && this.isOnline()) this.provider.connect()
  })
  private destroyed = false
  private counting = true

  /** Display name sent with the next hello (renaming takes effect on reconnect). */
  name: string

  constructor(
    readonly room: string,
    options: BoardSyncOptions,
  ) {
    const WS = options.WebSocket ?? globalThis.WebSocket
    if (!WS) throw new Error('BoardSync needs a WebSocket class: pass options.WebSocket (e.g. ws in Node)')
    this.name = options.name
    const keys = roomStorageKeys(room)
    this.sessionStore =
      options.sessionStorage === undefined ? defaultSessionStorage() : options.sessionStorage
    this.resume = this.readResume()
    this.unsynced = new UnsyncedCounter(
      options.storage === undefined ? defaultStorage() : options.storage,
      keys.unsynced,
    )
    this.events = options.events === undefined ? (inBrowser ? window : null) : options.events
    this.isOnline = options.isOnline ?? (() => globalThis.navigator?.onLine !== false)
    this.state = {
      status: 'connecting',
      synced: false,
      unsynced: this.unsynced.read(),
      retrying: null,
      problem: null,
    }
    this.idb =
      options.offline === false
        ? null
        : new IndexeddbPersistence(options.localStoreName ?? keys.localStore, this.doc)
    this.localReady = this.idb ? this.idb.whenSynced.then(() => undefined) : Promise.resolve()

    this.provider = new WebsocketProvider(options.serverUrl, room, this.doc, {
      // Connected below, once the handlers are in place.
      connect: false,
      // Only the first attempt after a close the provider made itself (its no-message watchdog)
      // uses its own schedule; every later failure reaches onServerClose and the policy's pace.
      // Kept short so that a destroyed instance leaves no long timer behind.
      maxBackoffTime: 1000,
      WebSocketPolyfill: WS,
      // Outside a browser there are no other tabs; instances in one process must sync through
      // the server, not behind its back.
      disableBc: !inBrowser,
      shouldReconnect: (event) => this.onServerClose(event),
      params: options.token ? { k: options.token } : {},
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
        this.sessionId = message.sessionId
        this.resume = message.resume
        this.writeResume(message.resume)
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
          ...(this.resume === null ? {} : { resume: this.resume }),
        })
      }
      this.update({
        status: status === 'connected' ? 'connected' : this.idleStatus(),
        synced: status === 'connected' ? this.state.synced : false,
      })
    })
    this.provider.on('sync', (synced: boolean) => {
      if (synced) this.reconnect.reset()
      this.update(synced ? { synced, unsynced: 0, retrying: null } : { synced })
    })
    this.events?.addEventListener('offline', this.goOffline)
    this.events?.addEventListener('online', this.goOnline)
    if (this.isOnline()) this.provider.connect()
    else this.update({ status: 'offline' })
  }

  private readResume(): string | null {
    try {
      return this.sessionStore?.getItem(resumeKey(this.room)) ?? null
    } catch {
      return null
    }
  }

  private writeResume(resume: string): void {
    try {
      this.sessionStore?.setItem(resumeKey(this.room), resume)
    } catch {
      // Storage full or denied: the session lasts as long as this page.
    }
  }

  private idleStatus(): ConnectionStatus {
    return this.state.problem || !this.isOnline() ? 'offline' : 'connecting'
  }

  /**
   * Called by the provider for every close it did not cause itself. Returns whether to reconnect;
   * y-websocket stops for good on false. On true, the next attempt runs on this class's timer (at
   * the policy's pace, with jitter), so the provider's own fixed-schedule attempt is disarmed.
   */
  private onServerClose(event: CloseEvent): boolean {
    if (this.destroyed) return false
    const next = this.reconnect.onClose(event.code, event.reason)
    if ('problem' in next) {
      this.update({ status: 'offline', synced: false, retrying: null, problem: next.problem })
      return false
    }
    this.provider.shouldConnect = false
    this.update({ status: this.idleStatus(), synced: false, retrying: next.retrying })
    // Offline: the 'online' event reconnects; retrying meanwhile would only fail.
    if (this.isOnline()) this.reconnect.schedule(next.retrying.delayMs)
    return true
  }

  /**
   * The user did one thing (a gesture, a command, an undo): while not synced with the server it
   * counts as one unsynced change, however many document updates it made. Reset once synced.
   */
  countLocalChange(): void {
    if (!this.counting || (this.state.status === 'connected' && this.state.synced)) return
    this.update({ unsynced: this.state.unsynced + 1 })
  }

  /** The network is gone (the browser's 'offline' event; the chaos harness calls it directly). */
  readonly goOffline = (): void => {
    this.reconnect.cancel()
    this.provider.disconnect()
    this.update({ status: 'offline', synced: false })
  }

  /** The network is back: reconnect now, unless the server said reconnecting cannot help. */
  readonly goOnline = (): void => {
    if (this.destroyed || this.state.problem) return
    this.reconnect.cancel()
    this.reconnect.reset()
    this.update({ status: 'connecting' })
    this.provider.connect()
  }

  private update(patch: Partial<ConnectionState>): void {
    if (this.destroyed) return
    this.state = { ...this.state, ...patch }
    if ('unsynced' in patch) this.unsynced.write(this.state.unsynced)
    for (const l of this.listeners) l()
  }

  getState = (): ConnectionState => this.state

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The secret that resumes this tab's session (null before the first welcome). */
  get resumeSecret(): string | null {
    return this.resume
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
    if (!ws || ws.readyState !== WS_OPEN) return false
    ws.send(encodeEaselFrame(message) as Uint8Array<ArrayBuffer>)
    return true
  }

  /**
   * Forgets this browser's copy of the board, before the page reloads it from the server: stops
   * syncing and counting, deletes the IndexedDB copy and the unsynced counter. The doc stays in
   * memory (the page still shows it) until the reload.
   */
  async clearLocalCopy(): Promise<void> {
    this.reconnect.cancel()
    this.provider.disconnect()
    this.counting = false
    if (this.idb) {
      await this.idb.clearData()
      // clearData() starts the deletion without waiting for it. Requests on one database run in
      // order, so once a second one succeeds the copy is gone and a reload cannot read it back.
      await deleteDatabase(this.idb.name)
    }
    this.unsynced.write(0)
  }

  destroy(): void {
    this.reconnect.cancel()
    this.events?.removeEventListener('offline', this.goOffline)
    this.events?.removeEventListener('online', this.goOnline)
    this.provider.destroy()
    this.destroyed = true
    this.idb?.destroy()
    this.doc.destroy()
    this.listeners.clear()
    this.easelListeners.clear()
  }
}
