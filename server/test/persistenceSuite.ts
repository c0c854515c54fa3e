import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Persistence } from '../src/index.ts'
import { foldUpdates } from '../src/persistence/foldUpdates.ts'

/** A document and a way to capture the update one change makes. */
function editor() {
  const doc = new Y.Doc()
  const edits = (change: () => void): Uint8Array => {
    let out: Uint8Array | null = null
    const take = (u: Uint8Array) => {
      out = u
    }
    doc.once('update', take)
    change()
    if (!out) throw new Error('the change made no update')
    return out
  }
  return { doc, edits }
}

/** The array `a` of the document the updates make. */
function contentOf(updates: (Uint8Array | null)[]): unknown[] {
  const doc = new Y.Doc()
  for (const u of updates) if (u) Y.applyUpdate(doc, u)
  return doc.getArray('a').toArray()
}

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
        const snapshot = await persistence.compact('r')
        expect(snapshot).not.toBeNull()
        expect(await persistence.load('r')).toEqual([snapshot])
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
        const { doc, edits } = editor()
        await persistence.append(
          'c',
          edits(() => doc.getArray('a').push([1])),
        )
        const first = await persistence.compact('c')
        const late = edits(() => doc.getArray('a').push([2]))
        await persistence.append('c', late)
        expect(await persistence.load('c')).toEqual([first, late])
        expect(await persistence.logLength('c')).toBe(1)
        const second = await persistence.compact('c')
        expect(await persistence.load('c')).toEqual([second])
        expect(contentOf(await persistence.load('c'))).toEqual([1, 2])
        // Nothing to fold: no new snapshot.
        expect(await persistence.compact('c')).toBeNull()
        expect(await persistence.compact('never')).toBeNull()
        expect(await persistence.load('never')).toEqual([])
      } finally {
        await persistence.close()
        await cleanup()
      }
    })

    it("a compaction given the caller's document stores it as the snapshot, and keeps what follows", async () => {
      const { persistence, reopen, cleanup } = await make()
      try {
        const { doc, edits } = editor()
        const covered: Uint8Array[] = []
        // Each edit overwrites the map's key, so a fold (which collects garbage) and the caller's
        // merge of the same updates differ byte for byte: what is stored shows which was used.
        const edit = (n: number) =>
          edits(() =>
            doc.transact(() => {
              doc.getArray('a').push([n])
              doc.getMap('m').set('k', n)
            }),
          )
        covered.push(edit(1))
        await persistence.append('given', covered[0]!)
        await persistence.compact('given')
        for (const n of [2, 3]) {
          covered.push(edit(n))
          await persistence.append('given', covered.at(-1)!)
        }
        const state = Y.mergeUpdates(covered)
        expect(foldUpdates(covered)).not.toEqual(state)
        const compaction = persistence.compact('given', state)
        // Appended after the call: not covered by the state, so it stays in the log.
        const late = edit(4)
        await persistence.append('given', late)
        expect(await compaction).toEqual(state)
        const snapshot = state.slice()
        // The caller's buffer is the caller's: changing it afterwards changes nothing stored.
        state.fill(0)
        expect(await persistence.load('given')).toEqual([snapshot, late])
        expect(await persistence.logLength('given')).toBe(1)
        await persistence.close()
        const again = await reopen()
        try {
          expect(await again.load('given')).toEqual([snapshot, late])
          expect(contentOf(await again.load('given'))).toEqual([1, 2, 3, 4])
          expect(await again.logLength('given')).toBe(1)
        } finally {
          await again.close()
        }
      } finally {
        await persistence.close()
        await cleanup()
      }
    })

    it('what is appended while a compaction runs stays in the log, after the snapshot', async () => {
      const { persistence, reopen, cleanup } = await make()
      try {
        const { doc, edits } = editor()
        for (let i = 0; i < 20; i++)
          await persistence.append(
            'busy',
            edits(() => doc.getArray('a').push([i])),
          )
        const compaction = persistence.compact('busy')
        const meanwhile: Uint8Array[] = []
        for (let i = 20; i < 25; i++) {
          const u = edits(() => doc.getArray('a').push([i]))
          meanwhile.push(u)
          await persistence.append('busy', u)
        }
        const snapshot = await compaction
        expect(contentOf([snapshot!])).toEqual([...Array(20).keys()])
        expect(await persistence.logLength('busy')).toBe(5)
        expect(await persistence.load('busy')).toEqual([snapshot, ...meanwhile])
        await persistence.close()
        const again = await reopen()
        expect(await again.logLength('busy')).toBe(5)
        expect(contentOf(await again.load('busy'))).toEqual([...Array(25).keys()])
        await again.close()
      } finally {
        await cleanup()
      }
    })

    it('the snapshot is the document folded: overwritten values are collected', async () => {
      const { persistence, cleanup } = await make()
      try {
        const { doc, edits } = editor()
        const map = doc.getMap<number[]>('m')
        let logged = 0
        for (let i = 0; i < 50; i++) {
          const u = edits(() =>
            map.set(
              'points',
              Array.from({ length: 200 }, (_, j) => i + j),
            ),
          )
          logged += u.byteLength
          await persistence.append('gc', u)
        }
        const snapshot = (await persistence.compact('gc'))!
        // One array of 200 numbers is left, not fifty (Y.mergeUpdates would keep every one).
        expect(snapshot.byteLength).toBeLessThan(logged / 10)
        const copy = new Y.Doc()
        Y.applyUpdate(copy, snapshot)
        expect(copy.getMap('m').get('points')).toEqual(Array.from({ length: 200 }, (_, j) => 49 + j))
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
