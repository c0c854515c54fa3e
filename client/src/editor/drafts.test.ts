import { describe, expect, it } from 'vitest'
import { memoryStorage } from '../sync/roomStorage.ts'
import { DraftStore } from './drafts.ts'

describe('DraftStore', () => {
  it('keeps one entry per shape under one key per room, and clears only the matching text', () => {
    const storage = memoryStorage()
    const store = new DraftStore('room-1', storage, () => 42)
    store.put('s1', { draft: 'Hello', baseText: 'Hel', baseVersion: 3 })
    store.put('s2', { draft: 'Bye', baseText: '', baseVersion: 0 })
    expect(JSON.parse(storage.getItem('easel:drafts:room-1')!)).toEqual({
      s1: { draft: 'Hello', baseText: 'Hel', baseVersion: 3, at: 42 },
      s2: { draft: 'Bye', baseText: '', baseVersion: 0, at: 42 },
    })
    store.clear('s1', 'Hell') // typed on since: keep
    expect(store.get('s1')?.draft).toBe('Hello')
    store.clear('s1', 'Hello')
    store.clear('s2')
    expect(storage.getItem('easel:drafts:room-1')).toBeNull()
    expect(new DraftStore('room-2', storage).all()).toEqual({})
  })

  it('survives a corrupt stored value', () => {
    const storage = memoryStorage()
    const store = new DraftStore('r', storage)
    storage.setItem(store.key, '{"s1": {"draft": "ok"') // cut off mid-write
    expect(store.all()).toEqual({})
    expect(storage.getItem(store.key)).toBeNull()
    storage.setItem(store.key, '[1, 2]')
    expect(store.all()).toEqual({})
    storage.setItem(
      store.key,
      JSON.stringify({ bad: { draft: 5 }, good: { draft: 'x', baseText: '', baseVersion: 0, at: 1 } }),
    )
    expect(Object.keys(store.all())).toEqual(['good'])
    store.put('s', { draft: 'y', baseText: '', baseVersion: 0 })
    expect(store.get('s')?.draft).toBe('y')
  })

  it('a storage that throws (quota, privacy mode) does not stop typing', () => {
    const store = new DraftStore('r', {
      getItem: () => {
        throw new Error('SecurityError')
      },
      setItem: () => {
        throw new Error('QuotaExceededError')
      },
      removeItem: () => {},
    })
    expect(() => store.put('s', { draft: 'x', baseText: '', baseVersion: 0 })).not.toThrow()
    expect(store.all()).toEqual({})
  })
})
