import { describe, expect, it } from 'vitest'
import { UnsyncedCounter } from './localCopy.ts'
import { type KeyValueStorage, memoryStorage } from './roomStorage.ts'

describe('UnsyncedCounter', () => {
  it('keeps a positive count and removes the key at 0', () => {
    const storage = memoryStorage()
    const counter = new UnsyncedCounter(storage, 'k')
    expect(counter.read()).toBe(0)
    counter.write(3)
    expect(storage.getItem('k')).toBe('3')
    expect(new UnsyncedCounter(storage, 'k').read()).toBe(3)
    counter.write(0)
    expect(storage.getItem('k')).toBeNull()
  })

  it('reads garbage as 0 and never throws when storage does', () => {
    const storage = memoryStorage()
    storage.setItem('k', 'not a number')
    expect(new UnsyncedCounter(storage, 'k').read()).toBe(0)
    const broken: KeyValueStorage = {
      getItem: () => {
        throw new Error('blocked')
      },
      setItem: () => {
        throw new Error('full')
      },
      removeItem: () => {
        throw new Error('blocked')
      },
    }
    const counter = new UnsyncedCounter(broken, 'k')
    expect(counter.read()).toBe(0)
    expect(() => counter.write(2)).not.toThrow()
    expect(() => counter.write(0)).not.toThrow()
    expect(new UnsyncedCounter(null, 'k').read()).toBe(0)
  })
})
