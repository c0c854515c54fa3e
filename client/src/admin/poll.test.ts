import { describe, expect, it } from 'vitest'
import { EMPTY_DASHBOARD } from './testDashboard.ts'
import { ERROR_TEXT, interpret, MAX_POLL_MS, MIN_POLL_MS, pollDelay, retryDelay } from './poll.ts'

describe('poll timing', () => {
  it('follows the server interval, clamped to 1–5 s', () => {
    expect(pollDelay(2000)).toBe(2000)
    expect(pollDelay(50)).toBe(MIN_POLL_MS)
    expect(pollDelay(60_000)).toBe(MAX_POLL_MS)
  })

  it('backs off after network errors with jitter, never below a second nor above ten', () => {
    expect(retryDelay(0, () => 0)).toBe(1000)
    expect(retryDelay(3, () => 0.5)).toBe(4000)
    expect(retryDelay(10, () => 0.999)).toBeLessThan(10_000)
    expect(retryDelay(10, () => 0.999)).toBeGreaterThan(9000)
  })
})

describe('interpreting the answer', () => {
  it('parses a dashboard', () => {
    const r = interpret(200, JSON.stringify(EMPTY_DASHBOARD))
    expect(r).toEqual({ kind: 'ok', data: EMPTY_DASHBOARD })
  })

  it('401 is a wrong token; 404 is a server without one (or with metrics off)', () => {
    expect(interpret(401, '{"error":"admin token required"}')).toEqual({ kind: 'unauthorized' })
    expect(interpret(404, '{"error":"not found"}')).toEqual({
      kind: 'unconfigured',
      message: ERROR_TEXT.unconfigured,
    })
    expect(interpret(404, '{"error":"metrics are off"}')).toEqual({
      kind: 'unconfigured',
      message: ERROR_TEXT.metricsOff,
    })
  })

  it('a malformed payload is an error with where it went wrong, not a blank page', () => {
    expect(interpret(200, '<html>')).toMatchObject({ kind: 'malformed' })
    const bad = { ...EMPTY_DASHBOARD, samples: [{ at: 1 }] }
    const r = interpret(200, JSON.stringify(bad))
    expect(r.kind).toBe('malformed')
    expect(r.kind === 'malformed' && r.message).toMatch(/samples\.0\./)
    expect(interpret(502, 'bad gateway')).toEqual({ kind: 'malformed', message: 'the server answered 502' })
  })
})
