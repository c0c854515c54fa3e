/** The part of `localStorage` the board uses; injected so tests and Node run without a browser. */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/** A KeyValueStorage in memory (tests, the chaos harness, or a browser without localStorage). */
export function memoryStorage(): KeyValueStorage {
  const items = new Map<string, string>()
  return {
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => void items.set(k, v),
    removeItem: (k) => void items.delete(k),
  }
}

/**
 * Where a board keeps things in this browser, named in one place so that "reload from the server"
 * clears exactly what the board wrote and nothing else.
 */
export function roomStorageKeys(room: string) {
  return {
    /** IndexedDB database holding the local copy of the Y.Doc. */
    localStore: `easel:${room}`,
    /** localStorage: local changes the server has not seen yet (a counter). */
    unsynced: `easel:unsynced:${room}`,
    /** localStorage: versioned commits not answered yet (CommitQueue). */
    commits: `easel:commits:${room}`,
    /** localStorage: the board as it was before "reload from the server", to re-apply. */
    recovered: `easel:recovered:${room}`,
  }
}
