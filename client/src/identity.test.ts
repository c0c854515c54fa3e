import { describe, expect, it } from 'vitest'
import {
  linkTokenFromHash,
  loadOwnerToken,
  markCreated,
  saveOwnerToken,
  shareUrl,
  takeCreated,
} from './identity.ts'

/** A Storage on a Map (the tests run in Node). */
function memoryStorage(): Storage {
  const m = new Map<string, string>()
  return {
    get length() {
      return m.size
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, v),
  }
}

describe('board links and ownership in this browser', () => {
  it('reads the link token from the fragment and builds share URLs that carry it there', () => {
    expect(linkTokenFromHash('#k=abc.def.ghi')).toBe('abc.def.ghi')
    expect(linkTokenFromHash('')).toBeNull()
    expect(linkTokenFromHash('#k=')).toBeNull()
    const url = shareUrl('https://easel.example', 'room-1', 'a.b-c_d')
    expect(url).toBe('https://easel.example/b/room-1#k=a.b-c_d')
    expect(linkTokenFromHash(new URL(url).hash)).toBe('a.b-c_d')
  })

  it('keeps the owner token per board, and a created board is claimed once', () => {
    const local = memoryStorage()
    const session = memoryStorage()
    expect(loadOwnerToken('r', local)).toBeNull()
    saveOwnerToken('r', 'tok', local)
    expect(loadOwnerToken('r', local)).toBe('tok')
    expect(loadOwnerToken('other', local)).toBeNull()
    expect(takeCreated('r', session)).toBe(false)
    markCreated('r', session)
    expect(takeCreated('r', session)).toBe(true)
    expect(takeCreated('r', session)).toBe(false)
  })
})
