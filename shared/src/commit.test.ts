import { describe, expect, it } from 'vitest'
import {
  type CommitContext,
  type CommitRequest,
  commitPayloadKey,
  decideCommit,
  type FieldState,
  TRANSIENT_ERRORS,
} from './commit.ts'

function ctx(
  fields: Record<string, FieldState> = {},
  opts: Partial<Omit<CommitContext, 'field'>> & { shapes?: string[] } = {},
): CommitContext {
  const shapes = new Set(opts.shapes ?? ['s1', 's2', 's3', 'g1', 'g2'])
  return {
    record: opts.record ?? null,
    field: (id, f) => fields[`${id}:${f}`] ?? null,
    shapeExists: (id) => shapes.has(id),
    lease: opts.lease ?? (() => null),
    clientId: opts.clientId ?? 'me',
    maxAddedBytes: opts.maxAddedBytes,
  }
}

const del = (baseVersion: number, extra: Partial<CommitRequest> = {}): CommitRequest => ({
  opId: 'op-00000001',
  ops: [{ shapeId: 's1', field: 'deleted', baseVersion, value: true }],
  ...extra,
})

describe('decideCommit', () => {
  it('applies a value as its schema parsed it: keys the schema does not know are never stored', () => {
    const junk = { start: null, end: 's2', junk: 'x'.repeat(10_000) }
    const d = decideCommit(
      { opId: 'op-00000009', ops: [{ shapeId: 's1', field: 'binding', baseVersion: 0, value: junk }] },
      ctx(),
    )
    expect(d.result).toEqual({ status: 'ok', versions: [1] })
    expect(d.apply).toEqual([
      { shapeId: 's1', field: 'binding', version: 1, value: { start: null, end: 's2' } },
    ])
  })

  it('refuses new values larger than maxAddedBytes with too_large (not remembered for the opId)', () => {
    const text = (value: string): CommitRequest => ({
      opId: 'op-0000000a',
      ops: [{ shapeId: 's1', field: 'text', baseVersion: 0, value }],
    })
    const fits = decideCommit(text('x'.repeat(98)), ctx({}, { maxAddedBytes: 100 }))
    expect(fits.result).toEqual({ status: 'ok', versions: [1] })
    const big = decideCommit(text('x'.repeat(99)), ctx({}, { maxAddedBytes: 100 }))
    expect(big.result).toMatchObject({ status: 'error', code: 'too_large' })
    expect(big.result.status === 'error' && big.result.message).toMatch(/board is full/)
    expect(big.apply).toBeNull()
    expect(TRANSIENT_ERRORS.has('too_large')).toBe(true)
    // A conflict is still reported first: the client learns the newer value.
    const stale = decideCommit(
      text('x'.repeat(99)),
      ctx({ 's1:text': { version: 1, value: 'a', by: 'Bo', at: 1 } }, { maxAddedBytes: 100 }),
    )
    expect(stale.result.status).toBe('conflict')
  })

  it('match: applies with version + 1', () => {
    const d = decideCommit(del(0), ctx())
    expect(d.result).toEqual({ status: 'ok', versions: [1] })
    expect(d.apply).toEqual([{ shapeId: 's1', field: 'deleted', version: 1, value: true }])
    const d2 = decideCommit(del(4), ctx({ 's1:deleted': { version: 4, value: false, by: 'Bo', at: 1 } }))
    expect(d2.result).toEqual({ status: 'ok', versions: [5] })
  })

  it('stale: answers conflict with the current version, value and author, applies nothing', () => {
    const d = decideCommit(del(1), ctx({ 's1:deleted': { version: 2, value: false, by: 'Bo', at: 7 } }))
    expect(d.result).toEqual({
      status: 'conflict',
      shapeId: 's1',
      field: 'deleted',
      version: 2,
      value: false,
      by: 'Bo',
      at: 7,
    })
    expect(d.apply).toBeNull()
  })

  it('stale expectation: a delete conflicts when the text it saw changed meanwhile', () => {
    const req = del(0, { expect: [{ shapeId: 's1', field: 'text', version: 3 }] })
    const d = decideCommit(req, ctx({ 's1:text': { version: 4, value: 'new text', by: 'Bo', at: 9 } }))
    expect(d.result).toMatchObject({ status: 'conflict', field: 'text', value: 'new text', by: 'Bo' })
  })

  it('duplicate: a recorded opId with the same payload gets the same answer and applies nothing', () => {
    const first = { status: 'ok' as const, versions: [1] }
    const d = decideCommit(del(0), ctx({}, { record: { hash: commitPayloadKey(del(0)), result: first } }))
    expect(d.result).toBe(first)
    expect(d.apply).toBeNull()
  })

  it('duplicate with another payload: error, nothing applied', () => {
    const d = decideCommit(
      del(0),
      ctx({}, { record: { hash: commitPayloadKey(del(7)), result: { status: 'ok', versions: [8] } } }),
    )
    expect(d.result).toMatchObject({ status: 'error', code: 'opid_reused' })
    expect(d.apply).toBeNull()
  })

  it('unknown shape: error', () => {
    const d = decideCommit(
      { ...del(0), ops: [{ shapeId: 'nope', field: 'deleted', baseVersion: 0, value: true }] },
      ctx(),
    )
    expect(d.result).toMatchObject({ status: 'error', code: 'unknown_shape', shapeId: 'nope' })
  })

  it('invalid value and self-binding: error', () => {
    expect(
      decideCommit(
        { ...del(0), ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: 'yes' }] },
        ctx(),
      ).result,
    ).toMatchObject({ code: 'invalid_value' })
    expect(
      decideCommit(
        {
          ...del(0),
          ops: [{ shapeId: 's1', field: 'binding', baseVersion: 0, value: { start: 's1', end: null } }],
        },
        ctx(),
      ).result,
    ).toMatchObject({ code: 'invalid_value' })
    expect(
      decideCommit(
        {
          ...del(0),
          ops: [{ shapeId: 's1', field: 'binding', baseVersion: 0, value: { start: 'ghost', end: null } }],
        },
        ctx(),
      ).result,
    ).toMatchObject({ code: 'invalid_value' })
  })

  it('grouping cycles are refused, including through groups committed earlier', () => {
    const fields = { 'g2:parent': { version: 1, value: 'g1', by: 'x', at: 0 } }
    const req: CommitRequest = {
      opId: 'op-00000002',
      ops: [{ shapeId: 'g1', field: 'parent', baseVersion: 0, value: 'g2' }],
    }
    expect(decideCommit(req, ctx(fields)).result).toMatchObject({ code: 'cycle' })
    const ok: CommitRequest = {
      opId: 'op-00000003',
      ops: [{ shapeId: 's1', field: 'parent', baseVersion: 0, value: 'g2' }],
    }
    expect(decideCommit(ok, ctx(fields)).result).toMatchObject({ status: 'ok' })
  })

  it('batch: all ops apply or none; the same field twice is a bad request', () => {
    const both: CommitRequest = {
      opId: 'op-00000004',
      ops: [
        { shapeId: 's1', field: 'deleted', baseVersion: 0, value: true },
        { shapeId: 's2', field: 'deleted', baseVersion: 0, value: true },
      ],
    }
    expect(decideCommit(both, ctx()).result).toEqual({ status: 'ok', versions: [1, 1] })
    const oneStale = decideCommit(both, ctx({ 's2:deleted': { version: 1, value: true, by: 'Bo', at: 0 } }))
    expect(oneStale.result).toMatchObject({ status: 'conflict', shapeId: 's2' })
    expect(oneStale.apply).toBeNull()
    const twice = { ...both, ops: [both.ops[0]!, both.ops[0]!] }
    expect(decideCommit(twice, ctx()).result).toMatchObject({ code: 'bad_request' })
  })

  it('leases: someone else’s lease blocks any commit on the shape; text needs the current token', () => {
    const lease = { holderId: 'bo', holderName: 'Bo', token: 7 }
    const text = (token?: number): CommitRequest => ({
      opId: 'op-00000005',
      ops: [{ shapeId: 's1', field: 'text', baseVersion: 0, value: 'hi' }],
      token,
    })
    expect(decideCommit(del(0), ctx({}, { lease: () => lease })).result).toMatchObject({
      code: 'locked',
      holder: 'Bo',
    })
    expect(decideCommit(text(7), ctx({}, { lease: () => lease })).result).toMatchObject({ code: 'locked' })
    const mine = { holderId: 'me', holderName: 'Me', token: 9 }
    const v1 = { 's1:text': { version: 1, value: 'old', by: 'Bo', at: 0 } }
    const edit = (token?: number): CommitRequest => ({
      ...text(token),
      ops: [{ shapeId: 's1', field: 'text', baseVersion: 1, value: 'hi' }],
    })
    expect(decideCommit(edit(), ctx(v1, { lease: () => null })).result).toMatchObject({ code: 'stale_token' })
    // The first text of a shape nobody holds (a pasted note) needs no lease; version 0 guards it.
    expect(decideCommit(text(), ctx({}, { lease: () => null })).result).toMatchObject({ status: 'ok' })
    expect(decideCommit(text(), ctx(v1, { lease: () => null })).result).toMatchObject({
      status: 'conflict',
      version: 1,
    })
    expect(decideCommit(text(8), ctx({}, { lease: () => mine })).result).toMatchObject({
      code: 'stale_token',
    })
    expect(decideCommit(text(9), ctx({}, { lease: () => mine })).result).toMatchObject({ status: 'ok' })
  })
})
