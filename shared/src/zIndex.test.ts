import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { zBetween, zBetweenN } from './zIndex.ts'

describe('z-order keys', () => {
  it('are strictly between their bounds and ascending, for any bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 10 }),
        fc.boolean(),
        (steps, n, bounded) => {
          // Build a realistic pair of neighbours by repeated insertion.
          let a: string | null = null
          for (let i = 0; i < steps; i++) a = zBetween(a, null)
          const b = bounded ? zBetween(a, null) : null
          const keys = zBetweenN(a, b, n)
          for (let i = 0; i < keys.length; i++) {
            if (a !== null) expect(keys[i]! > a).toBe(true)
            if (b !== null) expect(keys[i]! < b).toBe(true)
            if (i > 0) expect(keys[i]! > keys[i - 1]!).toBe(true)
          }
        },
      ),
    )
  })

  it('two users bringing different shapes to front at once get distinct keys', () => {
    const top = zBetween(null, null)
    const seen = new Set<string>()
    for (let i = 0; i < 1000; i++) seen.add(zBetween(top, null))
    expect(seen.size).toBe(1000)
  })

  it('falls back to the plain key when the jittered one would pass the upper bound', () => {
    // The plain key 'a0' is a prefix of the bound 'a0V', so 'a0zzzz' would sort after it.
    expect(zBetween(null, 'a0V', () => 'zzzz')).toBe('a0')
    expect(zBetween('a0', 'a1', () => 'zzzz')).toBe('a0Vzzzz')
  })
})
