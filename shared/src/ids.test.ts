import { describe, expect, it } from 'vitest'
import { newOpId, newShapeId, randomUuid } from './ids.ts'
import { SHAPE_ID_PATTERN } from './schema.ts'

describe('ids', () => {
  it('makes v4 UUIDs, shape ids and op ids without crypto.randomUUID', () => {
    const saved = globalThis.crypto.randomUUID
    // A non-secure browser context (plain http on a LAN hostname) has no randomUUID.
    Object.defineProperty(globalThis.crypto, 'randomUUID', { value: undefined, configurable: true })
    try {
      const ids = new Set(Array.from({ length: 1000 }, () => randomUuid()))
      expect(ids.size).toBe(1000)
      for (const id of ids)
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(newShapeId()).toMatch(SHAPE_ID_PATTERN)
      expect(newShapeId()).toHaveLength(12)
      expect(newOpId().length).toBeGreaterThanOrEqual(8)
    } finally {
      Object.defineProperty(globalThis.crypto, 'randomUUID', { value: saved, configurable: true })
    }
  })
})
