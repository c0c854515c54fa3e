import { describe, expect, it } from 'vitest'
import { CloseCode } from '@easel/shared'
import { type Backoff, CLOSE_DECISIONS, decideClose, reconnectDelay, type WayBack } from './closePolicy.ts'

type Expected = { retry: Backoff } | { stop: WayBack }

/**
 * The decision for every close code in shared/. A code added there without a row here (and a
 * decision in closePolicy.ts) fails the first test below.
 */
const EXPECTED: Record<number, Expected> = {
  [CloseCode.Normal]: { retry: 'normal' },
  [CloseCode.GoingAway]: { retry: 'normal' },
  [CloseCode.MessageTooBig]: { stop: 'reloadFromServer' },
  [CloseCode.InternalError]: { retry: 'normal' },
  [CloseCode.ServiceRestart]: { retry: 'prompt' },
  [CloseCode.TryAgainLater]: { retry: 'normal' },
  [CloseCode.MalformedMessage]: { stop: 'reloadFromServer' },
  [CloseCode.Unauthorized]: { stop: 'newBoard' },
  [CloseCode.Forbidden]: { stop: 'newBoard' },
  [CloseCode.InvalidRoom]: { stop: 'newBoard' },
  [CloseCode.ProtectedState]: { stop: 'reloadFromServer' },
  [CloseCode.BoardFull]: { stop: 'reloadFromServer' },
  [CloseCode.InvalidContent]: { stop: 'reloadFromServer' },
  [CloseCode.UnintegrableUpdate]: { stop: 'reloadFromServer' },
  [CloseCode.ProtocolMismatch]: { stop: 'reload' },
  [CloseCode.RateLimited]: { retry: 'slow' },
  [CloseCode.ServerBusy]: { retry: 'slow' },
  [CloseCode.Backpressure]: { retry: 'normal' },
}

function summary(code: number, reason = ''): Expected {
  const d = decideClose(code, reason)
  return d.kind === 'retry' ? { retry: d.backoff } : { stop: d.action }
}

describe('close policy', () => {
  it('has an explicit decision, and a row in this table, for every close code in shared', () => {
    for (const code of Object.values(CloseCode)) {
      expect(Object.hasOwn(CLOSE_DECISIONS, code), `closePolicy.ts decides nothing for ${code}`).toBe(true)
      expect(Object.hasOwn(EXPECTED, code), `the table in this test lacks ${code}`).toBe(true)
    }
  })

  it.each(Object.values(CloseCode))('decides %i as the table says', (code) => {
    expect(summary(code)).toEqual(EXPECTED[code])
  })

  it.each(Object.values(CloseCode))('explains %i in words, without the code', (code) => {
    const d = decideClose(code)
    expect(d.message).toMatch(/^[A-Z].{15,}[.…]$/)
    expect(d.message).not.toContain(String(code))
    if (d.kind === 'stop') {
      expect(d.title.length).toBeGreaterThan(8)
      expect(d.title).not.toContain(String(code))
    }
  })

  it('stops on unknown 44xx codes with a generic explanation that names the reason', () => {
    for (const code of [4450, 4477, 4499]) {
      const d = decideClose(code, 'some new rule')
      expect(d).toMatchObject({ kind: 'stop', action: 'reload' })
      expect(d.message).toContain('some new rule')
    }
  })

  it("a refused link (4401) stops with the server's reason in words and what to do", () => {
    expect(decideClose(CloseCode.Unauthorized, 'this link was revoked')).toMatchObject({
      kind: 'stop',
      action: 'newBoard',
      message: "This link was revoked. Ask the board's owner for a new link.",
    })
    expect(decideClose(CloseCode.Unauthorized, 'this link has expired').message).toBe(
      "This link has expired. Ask the board's owner for a new link.",
    )
    // Without a reason, the fixed explanation.
    expect(decideClose(CloseCode.Unauthorized, '')).toBe(CLOSE_DECISIONS[CloseCode.Unauthorized])
  })

  it('retries every other unknown code at the normal pace', () => {
    for (const code of [1002, 1005, 1006, 1014, 3000, 4000, 4399, 4500, 4999]) {
      expect(summary(code), String(code)).toEqual({ retry: 'normal' })
    }
  })
})

describe('reconnect delay', () => {
  it('uses full jitter for prompt and normal, under their caps', () => {
    expect(reconnectDelay('prompt', 0, () => 0)).toBe(0)
    expect(reconnectDelay('prompt', 0, () => 0.999)).toBeLessThan(100)
    expect(reconnectDelay('prompt', 20, () => 0.999)).toBeLessThan(1000)
    expect(reconnectDelay('normal', 0, () => 0.999)).toBeLessThan(250)
    expect(reconnectDelay('normal', 3, () => 0.5)).toBe(1000)
    expect(reconnectDelay('normal', 20, () => 0.999)).toBeLessThan(5000)
  })

  it('makes a rate-limited client wait at least half its growing window', () => {
    expect(reconnectDelay('slow', 0, () => 0)).toBe(1000)
    expect(reconnectDelay('slow', 0, () => 0.999)).toBeLessThan(2000)
    expect(reconnectDelay('slow', 2, () => 0)).toBe(4000)
    expect(reconnectDelay('slow', 20, () => 0)).toBe(15_000)
    expect(reconnectDelay('slow', 20, () => 0.999)).toBeLessThan(30_000)
  })
})
