import Database from 'better-sqlite3'
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { AccessControl } from './AccessControl.ts'
import { type AccessStore, MemoryAccessStore, SqliteAccessStore } from './AccessStore.ts'
import { originAllowed } from './origin.ts'
import { deriveKey } from './secret.ts'
import { LinkTokens, REFUSALS } from './tokens.ts'

const stores: [string, () => AccessStore][] = [
  ['memory', () => new MemoryAccessStore()],
  ['sqlite', () => new SqliteAccessStore(new Database(':memory:'))],
]

describe.each(stores)('AccessStore (%s)', (_name, make) => {
  it('starts unset, claims once, counts epochs and keeps the mode', () => {
    const store = make()
    expect(store.get('b')).toEqual({ mode: null, epoch: 0, owned: false })
    expect(store.claim('b')).toBe(true)
    expect(store.claim('b')).toBe(false)
    expect(store.revoke('b')).toBe(1)
    expect(store.revoke('b')).toBe(2)
    store.setMode('b', 'link')
    expect(store.get('b')).toEqual({ mode: 'link', epoch: 2, owned: true })
    store.setMode('b', 'open')
    expect(store.get('b').mode).toBe('open')
    expect(store.get('other')).toEqual({ mode: null, epoch: 0, owned: false })
    // Each change on a fresh board creates it with the others at their defaults.
    expect(store.revoke('c')).toBe(1)
    expect(store.get('c')).toEqual({ mode: null, epoch: 1, owned: false })
  })
})

it('the SQLite store keeps its rows in the given database', () => {
  const db = new Database(':memory:')
  new SqliteAccessStore(db).claim('kept')
  expect(new SqliteAccessStore(db).get('kept').owned).toBe(true)
})

describe('AccessControl', () => {
  const secret = new TextEncoder().encode('x'.repeat(32))
  const make = (mode: 'open' | 'link' = 'open') =>
    new AccessControl(new MemoryAccessStore(), new LinkTokens(secret), mode)

  it('no token: edit on an open board, refused on a link-only one', async () => {
    const open = make('open')
    expect(await open.grant('b', undefined)).toEqual({
      role: 'edit',
      via: 'open',
      epoch: null,
      expiresAt: null,
    })
    open.store.setMode('b', 'link')
    expect(await open.grant('b', undefined)).toEqual({ refused: REFUSALS.needsLink })
    expect(await make('link').grant('b', undefined)).toEqual({ refused: REFUSALS.needsLink })
  })

  it('links carry their role and epoch; revoked, other-board, expired and forged ones are refused', async () => {
    const access = make()
    const view = await access.tokens.sign({ board: 'b', role: 'view', epoch: 0 })
    expect(await access.grant('b', view)).toEqual({ role: 'view', via: 'link', epoch: 0, expiresAt: null })
    expect(await access.grant('other', view)).toEqual({ refused: REFUSALS.otherBoard })
    const owner = await access.tokens.sign({ board: 'b', role: 'owner', epoch: null })
    access.store.revoke('b')
    expect(await access.grant('b', view)).toEqual({ refused: REFUSALS.revoked })
    expect(access.revoked('b', { role: 'view', via: 'link', epoch: 0, expiresAt: null })).toBe(
      REFUSALS.revoked,
    )
    // Revoking never locks the owner out.
    expect(await access.grant('b', owner)).toEqual({
      role: 'owner',
      via: 'owner',
      epoch: null,
      expiresAt: null,
    })
    // A link's expiry is carried with its right, so its socket can be closed then.
    const timed = await access.tokens.sign({ board: 'b', role: 'edit', epoch: 1 }, 4_000_000_000)
    expect(await access.grant('b', timed)).toEqual({
      role: 'edit',
      via: 'link',
      epoch: 1,
      expiresAt: 4_000_000_000_000,
    })
    const expired = await access.tokens.sign({ board: 'b', role: 'edit', epoch: 1 }, 1000)
    expect(await access.grant('b', expired)).toEqual({ refused: REFUSALS.expired })
    const forged = await new SignJWT({ b: 'b', r: 'edit', e: 1 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(deriveKey(new TextEncoder().encode('y'.repeat(32)), 'links'))
    expect(await access.grant('b', forged)).toEqual({ refused: REFUSALS.invalid })
    // Signed with the server's secret but for another purpose.
    const otherPurpose = await new SignJWT({ b: 'b', r: 'edit', e: 1 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(deriveKey(secret, 'resume'))
    expect(await access.grant('b', otherPurpose)).toEqual({ refused: REFUSALS.invalid })
    expect(await access.grant('b', 'not-a-token')).toEqual({ refused: REFUSALS.invalid })
    // An edit link without an epoch is not one this server made.
    const noEpoch = await new SignJWT({ b: 'b', r: 'edit' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(deriveKey(secret, 'links'))
    expect(await access.grant('b', noEpoch)).toEqual({ refused: REFUSALS.invalid })
  })

  it('a socket that came in without a link loses its right when the board turns link-only', () => {
    const access = make()
    const open = { role: 'edit', via: 'open', epoch: null, expiresAt: null } as const
    expect(access.revoked('b', open)).toBeNull()
    access.store.setMode('b', 'link')
    expect(access.revoked('b', open)).toBe(REFUSALS.nowNeedsLink)
    expect(access.revoked('b', { role: 'owner', via: 'owner', epoch: null, expiresAt: null })).toBeNull()
  })
})

describe('originAllowed', () => {
  const req = (origin: string | undefined, host = 'easel.lan:8080') => ({ origin, host })
  it('allows no Origin, the same host over any scheme, listed origins and *', () => {
    expect(originAllowed(req(undefined), '')).toBe(true)
    expect(originAllowed(req('http://easel.lan:8080'), '')).toBe(true)
    expect(originAllowed(req('https://EASEL.lan:8080'), '')).toBe(true)
    expect(originAllowed(req('https://easel.example', 'easel.example:443'), '')).toBe(true)
    expect(originAllowed(req('https://evil.example'), '')).toBe(false)
    expect(originAllowed(req('https://easel.lan:9999'), '')).toBe(false)
    expect(originAllowed(req('null'), '')).toBe(false)
    expect(originAllowed(req('https://app.example'), 'https://other.example, https://APP.example/')).toBe(
      true,
    )
    expect(originAllowed(req('http://app.example'), 'https://app.example')).toBe(false)
    expect(originAllowed(req('https://evil.example'), '*')).toBe(true)
  })
})
