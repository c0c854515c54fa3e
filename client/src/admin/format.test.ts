import { describe, expect, it } from 'vitest'
import { bytes, compact, percent, uptime } from './format.ts'

describe('number formats of the dashboard', () => {
  it('compact axis numbers', () => {
    expect(compact(0)).toBe('0')
    expect(compact(0.25)).toBe('0.25')
    expect(compact(12.34)).toBe('12.3')
    expect(compact(1500)).toBe('1.5k')
    expect(compact(2_000_000)).toBe('2M')
  })

  it('bytes, percentages and uptime', () => {
    expect(bytes(512)).toBe('512 B')
    expect(bytes(1536)).toBe('1.5 KiB')
    expect(bytes(3 * 1024 * 1024)).toBe('3 MiB')
    expect(percent(0.125)).toBe('12.5 %')
    expect(percent(0)).toBe('0 %')
    expect(uptime(12_000)).toBe('12 s')
    expect(uptime(3_900_000)).toBe('1 h 5 min')
    expect(uptime(2 * 86_400_000 + 3_600_000)).toBe('2 d 1 h')
  })
})
