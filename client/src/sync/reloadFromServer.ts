import type { BoardSync } from './BoardSync.ts'
import { writeStash } from './recovery.ts'
import { type KeyValueStorage, roomStorageKeys } from './roomStorage.ts'

export type ReloadFromServerOptions = {
  sync: Pick<BoardSync, 'room' | 'clearLocalCopy'>
  storage: KeyValueStorage
  /** The local board as a board file (JSON), kept to re-apply after the reload; null = keep nothing. */
  boardJson: string | null
  reload: () => void
}

/**
 * Replaces this browser's copy of a board with the server's: stashes the local board, deletes the
 * local copy (IndexedDB, queued commits, unsynced counter) and reloads. Returns 'too-big' without
 * touching anything when the stash does not fit, so the user can export the board first.
 */
export async function reloadFromServer(o: ReloadFromServerOptions): Promise<'too-big' | 'reloading'> {
  const { room } = o.sync
  if (o.boardJson !== null && !writeStash(o.storage, room, o.boardJson)) return 'too-big'
  await o.sync.clearLocalCopy()
  // Queued commits belong to the copy being dropped; replayed after the reload they would apply
  // edits the user has not chosen to re-apply.
  o.storage.removeItem(roomStorageKeys(room).commits)
  o.reload()
  return 'reloading'
}
