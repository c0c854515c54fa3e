import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Persistence } from '../src/index.ts'

/**
 * The contract every document store must pass (SQLite and memory): the same cases, run against a
 * fresh store per test. `make` returns a store and a way to reopen it on the same storage, as
 * after a process restart.
 */
export function runPersistenceTests(
  name: string,
  make: () => Promise<{ persistence: Persistence; reopen(): Promise<Persistence>; cleanup(): Promise<void> }>,
): void {
  describe(`persistence contract: ${name}`, () => {
    it('appends, compacts and reloads across reopen without losing or reordering updates', async () => {
      const { persistence, reopen, cleanup } = await make()
      try {
        const doc = new Y.Doc()
        const updates: Uint8Array[] = []
        doc.on('update', (u: Uint8Array) => updates.push(u))
        const arr = doc.getArray<number>('a')
        for (let i = 0; i < 10; i++) arr.push([i])
        const lengths: number[] = []
        for (const u of updates.splice(0)) lengths.push(await persistence.append('r', u))
        expect(lengths).toEqual([...Array(10).keys()].map((i) => i + 1))
        expect(await persistence.logLength('r')).toBe(10)
        await persistence.compact('r', Y.encodeStateAsUpdate(doc))
        expect(await persistence.logLength('r')).toBe(0)
        for (let i = 10; i < 15; i++) arr.push([i])
        for (const u of updates.splice(0)) await persistence.append('r', u)
        await persistence.close()

        const again = await reopen()
        expect(await again.logLength('r')).toBe(5)
        const stored = await again.load('r')
        expect(stored).toHaveLength(6)
        const copy = new Y.Doc()
        for (const u of stored) Y.applyUpdate(copy, u)
        expect(copy.getArray('a').toArray()).toEqual([...Array(15).keys()])
        // Appends after reopen continue the log instead of colliding with it.
        expect(await again.append('r', Y.encodeStateAsUpdate(doc))).toBe(6)
        expect(await again.load('r')).toHaveLength(7)
        await again.close()
      } finally {
        await cleanup()
      }
    })

    it('loads updates in the order they were appended, byte for byte', async () => {
      const { persistence, cleanup } = await make()
      try {
        const updates = [Uint8Array.of(1, 2, 3), Uint8Array.of(4), Uint8Array.of(5, 6)]
        for (const u of updates) await persistence.append('order', u)
        expect(await persistence.load('order')).toEqual(updates)
        // What the caller does with its buffer afterwards does not change what is stored.
        updates[0]![0] = 99
        expect((await persistence.load('order'))[0]).toEqual(Uint8Array.of(1, 2, 3))
      } finally {
        await persistence.close()
        await cleanup()
      }
    })

    it('a compaction keeps the snapshot first and what is appended after it', async () => {
      const { persistence, cleanup } = await make()
      try {
        await persistence.append('c', Uint8Array.of(1))
        await persistence.compact('c', Uint8Array.of(9, 9))
        await persistence.append('c', Uint8Array.of(2))
        expect(await persistence.load('c')).toEqual([Uint8Array.of(9, 9), Uint8Array.of(2)])
        expect(await persistence.logLength('c')).toBe(1)
        await persistence.compact('c', Uint8Array.of(8))
        expect(await persistence.load('c')).toEqual([Uint8Array.of(8)])
      } finally {
        await persistence.close()
        await cleanup()
      }
    })

    it('keeps rooms apart, and forgetting a room keeps what is stored', async () => {
      const { persistence, cleanup } = await make()
      try {
        await persistence.append('a', Uint8Array.of(0, 0))
        expect(await persistence.load('b')).toEqual([])
        expect(await persistence.logLength('b')).toBe(0)
        expect(await persistence.load('a')).toHaveLength(1)
        persistence.forget?.('a')
        expect(await persistence.logLength('a')).toBe(1)
        expect(await persistence.append('a', Uint8Array.of(0, 1))).toBe(2)
      } finally {
        await persistence.close()
        await cleanup()
      }
    })
  })
}
