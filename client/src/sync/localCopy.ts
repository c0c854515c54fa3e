import type { KeyValueStorage } from './roomStorage.ts'

/**
 * The count of local changes the server has not seen, kept in storage across reloads. Storage can
 * be missing, disabled or full; the counter is a hint and must never break syncing.
 */
export class UnsyncedCounter {
  constructor(
    private readonly storage: KeyValueStorage | null,
    private readonly key: string,
  ) {}

  read(): number {
    try {
      return Number(this.storage?.getItem(this.key) ?? 0) || 0
    } catch {
      return 0
    }
  }

  /** Stores the count; 0 removes it. */
  write(count: number): void {
    try {
      if (count > 0) this.storage?.setItem(this.key, String(count))
      else this.storage?.removeItem(this.key)
    } catch {
      // See the class comment.
    }
  }
}

/** localStorage when there is one; reading it throws where the browser disables storage. */
export function defaultStorage(): KeyValueStorage | null {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}

/** Resolves when the database is deleted, or after a few seconds if another tab blocks it. */
export function deleteDatabase(name: string): Promise<void> {
  const idb = globalThis.indexedDB
  if (!idb) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 3000)
    const request = idb.deleteDatabase(name)
    request.onsuccess = request.onerror = () => {
      clearTimeout(timer)
      resolve()
    }
  })
}
