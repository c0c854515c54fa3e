import type { LeaseConfig } from '@easel/shared'
import { DraftStore } from './editor/drafts.ts'
import { Editor, type User } from './editor/Editor.ts'
import { TEXT_COMMIT_DEBOUNCE_MS, TextEditing } from './editor/TextEditing.ts'
import { BoardSync, type BoardSyncOptions } from './sync/BoardSync.ts'
import { CommitQueue, type CommitQueueOptions } from './sync/CommitQueue.ts'
import { LeaseClient } from './sync/LeaseClient.ts'
import { type KeyValueStorage, roomStorageKeys } from './sync/roomStorage.ts'

/** Where a board runs: the browser's globals by default; a Node harness passes its own. */
export type BoardEnvironment = {
  /** `ws(s)://host/ws`. */
  serverUrl: string
  user: User
  /** localStorage or an equivalent: commit queue and text drafts (the unsynced counter too). */
  storage: KeyValueStorage
  /** BoardSync's environment (WebSocket class, online events, local store name, session storage...). */
  sync?: Omit<BoardSyncOptions, 'serverUrl' | 'name' | 'color' | 'storage'>
  /** Commit queue timings (tests shorten them). */
  commits?: Pick<CommitQueueOptions, 'answerTimeoutMs' | 'backoff'>
  textDebounceMs?: number
}

/** One open board: replication, the editor and its tiers, wired the way the app uses them. */
export type Board = {
  readonly sync: BoardSync
  readonly editor: Editor
  readonly text: TextEditing
  readonly queue: CommitQueue
  readonly leases: LeaseClient
  /** Lease timings announced by the server (null until welcomed). */
  leaseConfig(): LeaseConfig | null
  destroy(): void
}

/**
 * Opens a board: the Y.Doc with its IndexedDB copy and socket, the commit queue (persisted, replayed
 * after reconnects and reloads), leases, the editor and in-place text editing. Unsaved texts of a
 * previous page are offered back once the board has synced with the server.
 */
export function createBoard(room: string, env: BoardEnvironment): Board {
  const sync = new BoardSync(room, {
    ...env.sync,
    serverUrl: env.serverUrl,
    name: env.user.name,
    color: env.user.color,
    storage: env.storage,
  })
  // Assigned below; answers to commits made before a reload need them.
  let editor: Editor
  let text: TextEditing
  const queue = new CommitQueue(
    {
      // A commit queued under another session (by a tab since closed) is sent as that session's.
      send: (request, session) =>
        sync.sendEasel({
          t: 'commit',
          ...request,
          ...(session !== undefined && session !== sync.resumeSecret ? { as: session } : {}),
        }),
    },
    {
      ...env.commits,
      storage: env.storage,
      storageKey: roomStorageKeys(room).commits,
      session: () => sync.resumeSecret,
      // A text commit's answer is matched with the draft kept for it; others get the generic notice.
      onOrphanResult: (p, result) => {
        if (!text.handleOrphanResult(p, result)) editor.reportCommitFailure(p.label, result)
      },
    },
  )
  editor = new Editor(sync.doc, {
    user: env.user,
    awareness: sync.provider.awareness,
    commits: queue,
  })
  // The unsynced count is what the user did (one per undo step), not how many Yjs updates it made.
  editor.onLocalAction = () => sync.countLocalChange()
  let lease: LeaseConfig | null = null
  const offEasel = sync.onEasel((m) => {
    if (m.t === 'welcome') {
      lease = m.lease
      queue.resume()
    } else if (m.t === 'commitResult') queue.handleResult(m.opId, m.result)
  })
  const leases = new LeaseClient(sync)
  text = new TextEditing(
    editor,
    leases,
    env.textDebounceMs ?? TEXT_COMMIT_DEBOUNCE_MS,
    new DraftStore(room, env.storage),
  )
  // Texts the previous page could not save are judged against the server's, so only once synced.
  const offSynced = sync.subscribe(() => {
    if (sync.getState().synced) text.recoverDrafts()
  })
  return {
    sync,
    editor,
    text,
    queue,
    leases,
    leaseConfig: () => lease,
    destroy() {
      offEasel()
      offSynced()
      text.destroy()
      leases.destroy()
      queue.destroy()
      editor.destroy()
      sync.destroy()
    },
  }
}
