import { type Board, createBoard } from '@easel/client/board.ts'
import type { Notice } from '@easel/client/editor/Editor.ts'
import type { PendingCommit } from '@easel/client/sync/CommitQueue.ts'
import { memoryStorage } from '@easel/client/sync/roomStorage.ts'
import {
  type CommitRequest,
  type CommitResult,
  readShapes,
  type Shape,
  shapesMap,
  versionedMap,
} from '@easel/shared'
import * as Y from 'yjs'
import { FaultyNetwork } from './network.ts'
import type { Random } from './random.ts'

/** A commit this user made and the answer it got (answers arrive also after reloads). */
export type CommitRecord = { request: CommitRequest; label: string; result: CommitResult | null; at: number }
export type LoggedNotice = Omit<Notice, 'actions' | 'onDismiss' | 'id'> & { at: number }

/** Harness timings (short leases make expiry and handover happen within a run). */
export type UserTimings = { answerTimeoutMs: number; textDebounceMs: number }

/**
 * One simulated person in a browser tab: the real client stack (BoardSync with its IndexedDB copy,
 * CommitQueue, LeaseClient, Editor and TextEditing, wired by the app's own `createBoard`) over a
 * faulty network. Reloads destroy the board and open a new one over the same storage, session
 * storage (so the server session, its leases and idempotency records, is resumed) and local store,
 * as a page reload does. Everything the invariants need is recorded across reloads.
 */
export class SimUser {
  /** Outlives the simulated page, as localStorage does across reloads. */
  readonly storage = memoryStorage()
  /** Outlives the page as sessionStorage does across reloads of the tab: the resume secret. */
  readonly sessionStore = memoryStorage()
  readonly network: FaultyNetwork
  board: Board | null = null
  /** Offline as the browser sees it (navigator.onLine false). */
  browserOffline = false
  readonly commits = new Map<string, CommitRecord>()
  readonly notices: LoggedNotice[] = []
  readonly grants: { shapeId: string; token: number; at: number }[] = []
  /** The last text this user typed per shape (as the editor accepted it). */
  readonly typed = new Map<string, string>()
  /** Violations noticed while running (e.g. a version going back), with when. */
  readonly violations: string[] = []
  readonly stats = { ops: 0, reloads: 0 }
  private readonly maxVersion = new Map<string, number>()
  private offBoard: (() => void)[] = []
  private noticesSeen = 0

  constructor(
    readonly name: string,
    readonly color: string,
    private readonly room: string,
    private readonly serverUrl: string,
    private readonly localStoreName: string,
    private readonly timings: UserTimings,
    random: Random,
  ) {
    this.network = new FaultyNetwork(random)
  }

  get editor() {
    return this.board!.editor
  }

  get text() {
    return this.board!.text
  }

  /** Opens the page (first load or after a reload). */
  open(): void {
    const board = createBoard(this.room, {
      serverUrl: this.serverUrl,
      user: { id: `user-${this.name}`, name: this.name, color: this.color },
      storage: this.storage,
      sync: {
        WebSocket: this.network.socketClass(),
        localStoreName: this.localStoreName,
        sessionStorage: this.sessionStore,
        isOnline: () => !this.browserOffline,
        events: null,
      },
      commits: { answerTimeoutMs: this.timings.answerTimeoutMs },
      textDebounceMs: this.timings.textDebounceMs,
    })
    this.board = board
    this.noticesSeen = 0
    // Requests by opId, kept when the queue forgets them (answered), to pair with their answers.
    const rememberPending = () => {
      for (const p of board.queue.list()) this.rememberCommit(p)
    }
    rememberPending()
    this.offBoard = [
      board.queue.subscribe(rememberPending),
      board.sync.onEasel((m) => {
        if (m.t === 'commitResult') {
          const rec = this.commits.get(m.opId)
          if (rec && !(m.result.status === 'error' && m.result.code === 'unavailable')) rec.result = m.result
        }
      }),
      board.leases.onEvent((e) => {
        if (e.type === 'granted') this.grants.push({ shapeId: e.shapeId, token: e.token, at: Date.now() })
      }),
      board.editor.subscribe(() => this.collectNotices()),
    ]
    const versioned = versionedMap(board.sync.doc)
    const onVersioned = (event: Y.YMapEvent<unknown>) => {
      for (const key of event.keysChanged) this.checkVersion(key, versioned.get(key))
    }
    versioned.observe(onVersioned)
    this.offBoard.push(() => versioned.unobserve(onVersioned))
    // The local copy loads asynchronously; its versions count too.
    void board.sync.localReady.then(() => {
      if (this.board !== board) return
      for (const [key, v] of versioned.entries()) this.checkVersion(key, v)
    })
  }

  private rememberCommit(p: PendingCommit): void {
    if (!this.commits.has(p.request.opId)) {
      this.commits.set(p.request.opId, { request: p.request, label: p.label, result: null, at: p.queuedAt })
    }
  }

  private checkVersion(key: string, raw: unknown): void {
    const version = (raw as { version?: number } | undefined)?.version
    if (typeof version !== 'number') return
    const before = this.maxVersion.get(key) ?? 0
    if (version < before)
      this.violations.push(`${this.name}: version of ${key} went back from ${before} to ${version}`)
    else this.maxVersion.set(key, version)
  }

  private collectNotices(): void {
    const log = this.board?.editor.noticeLog
    if (!log) return
    for (; this.noticesSeen < log.length; this.noticesSeen++) {
      const { id: _id, ...n } = log[this.noticesSeen] as Notice
      this.notices.push({ ...n, at: Date.now() })
    }
  }

  /**
   * Closes the page. `graceful`: the browser runs pagehide (the app flushes text now); otherwise
   * the tab is gone at once (a crash, a killed browser), with whatever was in the local stores.
   */
  async close(graceful: boolean): Promise<void> {
    const board = this.board
    if (!board) return
    if (graceful) board.text.flushNow()
    this.collectNotices()
    for (const off of this.offBoard) off()
    this.offBoard = []
    this.board = null
    board.destroy()
    // Give the local store's last writes a moment to commit, as a browser does before unload.
    await new Promise((r) => setTimeout(r, 30))
  }

  async reload(graceful: boolean): Promise<void> {
    this.stats.reloads++
    await this.close(graceful)
    this.open()
  }

  /** Shapes this user can see (not deleted), in id order, for picking targets deterministically. */
  visibleShapes(filter: (s: Shape) => boolean = () => true): Shape[] {
    if (!this.board) return []
    return [...this.editor.getShapes()].filter(filter).sort((a, b) => (a.id < b.id ? -1 : 1))
  }

  /** The board's content as the server would store it: shapes and versioned values, as JSON. */
  contentJson(): string {
    return docContentJson(this.board!.sync.doc)
  }

  stateVector(): Map<number, number> {
    return Y.decodeStateVector(Y.encodeStateVector(this.board!.sync.doc))
  }

  /** Whether this page has settled: connected, synced, nothing queued, not editing, no lease. */
  settledReason(): string | null {
    const b = this.board
    if (!b) return 'page closed'
    const s = b.sync.getState()
    if (s.problem) return `stopped: ${s.problem.code} ${s.problem.title}`
    if (s.status !== 'connected' || !s.synced)
      return `connection ${s.status}${s.synced ? '' : ', not synced'}`
    if (b.queue.size > 0) return `${b.queue.size} commits unanswered`
    if (b.text.editing) return `still editing ${b.text.editing.shapeId} (${b.text.editing.status})`
    if (b.leases.leases().some((l) => l.mine)) return 'still holds a lease'
    return null
  }
}

/** Shapes and versioned values of a document, as canonical JSON (key order ignored). */
export function docContentJson(doc: Y.Doc): string {
  const shapes = shapesMap(doc).toJSON()
  const versioned = versionedMap(doc).toJSON()
  return JSON.stringify(sortKeys({ shapes, versioned }))
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    )
  }
  return v
}

/** Current committed text of a shape in a document. */
export function committedText(doc: Y.Doc, shapeId: string): string {
  return readShapes(doc).shapes.find((s) => s.id === shapeId)?.text ?? ''
}
