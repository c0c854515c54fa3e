import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { Limits } from './limits.ts'

describe('Limits', () => {
  it('counts every trip and logs one line per limit per second with the trips it covers', () => {
    let now = 0
    const lines: { limit: string; trips: number }[] = []
    const log = pino({ level: 'warn' }, { write: (s: string) => lines.push(JSON.parse(s)) })
    const limits = new Limits(() => now)
    for (let i = 0; i < 5; i++) limits.trip('rate_bytes', log)
    limits.trip('schema', log)
    now = 1500
    limits.trip('rate_bytes', log)
    expect(limits.tripped.rate_bytes).toBe(6)
    expect(limits.tripped.schema).toBe(1)
    expect(limits.tripped.origin).toBe(0)
    expect(lines.map((l) => [l.limit, l.trips])).toEqual([
      ['rate_bytes', 1],
      ['schema', 1],
      ['rate_bytes', 5],
    ])
  })
})
