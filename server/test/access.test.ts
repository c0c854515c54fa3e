import { tempDir } from '@easel/testkit/serverProcess.ts'
import { ProtocolClient } from '@easel/testkit/protocolClient.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { CloseCode } from '@easel/shared'
import { deriveKey } from '../src/access/secret.ts'
import type { EaselServer } from '../src/index.ts'
import { startServer, wsUrl } from './helpers.ts'

const servers: EaselServer[] = []
const clients: ProtocolClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate()
  for (const s of servers.splice(0)) await s.close()
})

async function start(config: Parameters<typeof startServer>[0] = {}): Promise<EaselServer> {
  const server = await startServer(config)
  servers.push(server)
  return server
}

async function api(
  server: EaselServer,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {}
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function claim(server: EaselServer, room: string): Promise<string> {
  const res = await api(server, 'POST', `/api/boards/${room}/claim`)
  expect(res.status).toBe(201)
  return res.body.ownerToken as string
}

async function link(
  server: EaselServer,
  room: string,
  owner: string,
  role: 'view' | 'edit',
): Promise<string> {
  const res = await api(server, 'POST', `/api/boards/${room}/links`, { token: owner, body: { role } })
  expect(res.status).toBe(200)
  return res.body.token as string
}

async function join(server: EaselServer, room: string, token?: string): Promise<ProtocolClient> {
  const path = token === undefined ? room : `${room}?k=${encodeURIComponent(token)}`
  const client = await ProtocolClient.connect(wsUrl(server), path)
  clients.push(client)
  return client
}

/** A socket refused at the handshake: its close code and reason. */
async function refused(server: EaselServer, room: string, token?: string) {
  const path = token === undefined ? room : `${room}?k=${encodeURIComponent(token)}`
  const client = new ProtocolClient(new WebSocket(`${wsUrl(server)}/${path}`), 'refused', new Y.Doc())
  clients.push(client)
  return client.closed
}

const signWith = (key: Uint8Array, claims: Record<string, unknown>, exp?: number) => {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' })
  if (exp !== undefined) jwt.setExpirationTime(exp)
  return jwt.sign(key)
}

describe('share links at the handshake', () => {
  it('forged, expired, revoked and wrong-board tokens are refused with 4401 and the reason', async () => {
    const server = await start()
    const owner = await claim(server, 'board')
    const key = deriveKey(server.secret, 'links')
    const forged = await signWith(deriveKey(new TextEncoder().encode('z'.repeat(32)), 'links'), {
      b: 'board',
      r: 'edit',
      e: 0,
    })
    expect(await refused(server, 'board', forged)).toEqual({
      code: CloseCode.Unauthorized,
      reason: 'this link is not valid',
    })
    const expired = await signWith(key, { b: 'board', r: 'edit', e: 0 }, Math.floor(Date.now() / 1000) - 60)
    expect(await refused(server, 'board', expired)).toEqual({
      code: CloseCode.Unauthorized,
      reason: 'this link has expired',
    })
    const other = await link(server, 'other-board', await claim(server, 'other-board'), 'edit')
    expect(await refused(server, 'board', other)).toEqual({
      code: CloseCode.Unauthorized,
      reason: 'this link is for another board',
    })
    const edit = await link(server, 'board', owner, 'edit')
    expect((await api(server, 'POST', '/api/boards/board/revoke', { token: owner })).status).toBe(200)
    expect(await refused(server, 'board', edit)).toEqual({
      code: CloseCode.Unauthorized,
      reason: 'this link was revoked',
    })
    // Present and invalid is refused even though the board is open to anyone without a link.
    expect((await api(server, 'GET', '/api/boards/board/access')).body.mode).toBe('open')
    expect(server.rooms.size).toBe(0)
  })

  it('a view link syncs and sees live edits; its updates reach no one and are not stored', async () => {
    const dataDir = tempDir()
    let server = await start({ dataDir })
    const owner = await claim(server, 'board')
    await api(server, 'PUT', '/api/boards/board/mode', { token: owner, body: { mode: 'link' } })
    const editor = await join(server, 'board', await link(server, 'board', owner, 'edit'))
    editor.addShape('s1')
    const viewer = await join(server, 'board', await link(server, 'board', owner, 'view'))
    expect(viewer.received.find((m) => m.t === 'welcome')).toMatchObject({ canEdit: false })
    expect(editor.received.find((m) => m.t === 'welcome')).toMatchObject({ canEdit: true })
    expect(viewer.doc.getMap('shapes').has('s1')).toBe(true)
    editor.addShape('live')
    await waitFor(() => viewer.doc.getMap('shapes').has('live'), 'the viewer to see a live edit')

    viewer.addShape('from-viewer')
    // Frames are handled in order: once the commit is answered, the update before it was handled.
    expect(
      await viewer.commit({ ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: true }] }),
    ).toMatchObject({ status: 'error', code: 'forbidden' })
    // And anything broadcast to the editor before that reaches it before its own answer.
    expect(
      await editor.commit({ ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: false }] }),
    ).toMatchObject({ status: 'ok' })
    expect(editor.doc.getMap('shapes').has('from-viewer')).toBe(false)
    expect(server.rooms.get('board')!.doc.getMap('shapes').has('from-viewer')).toBe(false)
    expect(viewer.closeCode).toBeNull()

    for (const c of clients.splice(0)) await c.close()
    await server.close()
    servers.length = 0
    server = await start({ dataDir })
    const reader = await join(server, 'board', owner)
    expect(reader.doc.getMap('shapes').has('s1')).toBe(true)
    expect(reader.doc.getMap('shapes').has('live')).toBe(true)
    expect(reader.doc.getMap('shapes').has('from-viewer')).toBe(false)
  })

  it('an edit link edits a link-only board; without a token that board refuses', async () => {
    const server = await start()
    const owner = await claim(server, 'board')
    expect(
      (await api(server, 'PUT', '/api/boards/board/mode', { token: owner, body: { mode: 'link' } })).status,
    ).toBe(200)
    expect(await refused(server, 'board')).toEqual({
      code: CloseCode.Unauthorized,
      reason: 'this board needs a share link',
    })
    const editor = await join(server, 'board', await link(server, 'board', owner, 'edit'))
    const ownerClient = await join(server, 'board', owner)
    editor.addShape('e1')
    await waitFor(() => ownerClient.doc.getMap('shapes').has('e1'), 'the owner to see the edit')
    expect((await api(server, 'GET', '/api/boards/board/access')).body).toMatchObject({
      mode: 'link',
      owned: true,
      role: null,
      reason: 'this board needs a share link',
    })
  })

  it('a server whose default is link-only refuses boards without a link; a new board is claimed by its creator', async () => {
    const server = await start({ access: 'link' })
    expect(await refused(server, 'fresh')).toEqual({
      code: CloseCode.Unauthorized,
      reason: 'this board needs a share link',
    })
    // Nothing stored, nothing drawn: whoever created it claims it, and then opens it.
    const owner = await claim(server, 'fresh')
    const ownerClient = await join(server, 'fresh', owner)
    expect(ownerClient.received.find((m) => m.t === 'welcome')).toMatchObject({ canEdit: true })
    expect((await api(server, 'POST', '/api/boards/fresh/claim')).status).toBe(409)
  })

  it('an unowned link-only board with content is claimed by an admin only, loaded or stored', async () => {
    const admin = 'a'.repeat(24)
    const server = await start({ access: 'link', adminToken: admin })
    const drawer = await join(server, 'drawn', await link(server, 'drawn', admin, 'edit'))
    drawer.addShape('s1')
    await waitFor(
      () => server.rooms.get('drawn')?.doc.getMap('shapes').has('s1') === true,
      'the shape to reach the server',
    )
    const loaded = await api(server, 'POST', '/api/boards/drawn/claim')
    expect(loaded).toEqual({ status: 403, body: { error: 'this board needs a share link' } })
    await drawer.close()
    await waitFor(() => server.rooms.get('drawn') === undefined, 'the board to leave memory')
    expect((await api(server, 'POST', '/api/boards/drawn/claim')).status).toBe(403)
    expect((await api(server, 'POST', '/api/boards/drawn/claim', { token: admin })).status).toBe(201)
  })

  it('a view link is refused (409) while the board is open: its bare address edits anyway', async () => {
    const server = await start()
    const owner = await claim(server, 'board')
    const open = await api(server, 'POST', '/api/boards/board/links', {
      token: owner,
      body: { role: 'view' },
    })
    expect(open.status).toBe(409)
    expect(open.body.error).toMatch(/view link needs the board to be link-only first/)
    // Edit links are fine on an open board (they give what the address gives).
    await link(server, 'board', owner, 'edit')
    await api(server, 'PUT', '/api/boards/board/mode', { token: owner, body: { mode: 'link' } })
    const viewer = await join(server, 'board', await link(server, 'board', owner, 'view'))
    expect(viewer.received.find((m) => m.t === 'welcome')).toMatchObject({ canEdit: false })
    expect(await refused(server, 'board')).toEqual({
      code: CloseCode.Unauthorized,
      reason: 'this board needs a share link',
    })
  })

  it('a socket on a link that expires is closed 4401 "this link has expired" then; others stay', async () => {
    const server = await start()
    const owner = await claim(server, 'board')
    const made = await api(server, 'POST', '/api/boards/board/links', {
      token: owner,
      body: { role: 'edit', expiresInSec: 2 },
    })
    // The link lasts at least 2 s: time to join under a loaded machine, before it expires.
    const timed = await join(server, 'board', made.body.token as string)
    const ownerClient = await join(server, 'board', owner)
    expect(await timed.closed).toEqual({ code: CloseCode.Unauthorized, reason: 'this link has expired' })
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(made.body.expiresAt as string))
    ownerClient.addShape('after')
    await waitFor(
      () => server.rooms.get('board')?.doc.getMap('shapes').has('after') === true,
      'the owner to edit on',
    )
    expect(ownerClient.closeCode).toBeNull()
  })

  it('revoking closes the live sockets of revoked links, not the owner or a new link', async () => {
    const server = await start()
    const owner = await claim(server, 'board')
    // View links are made on a link-only board; one made so keeps working if it opens again.
    await api(server, 'PUT', '/api/boards/board/mode', { token: owner, body: { mode: 'link' } })
    const viewLink = await link(server, 'board', owner, 'view')
    await api(server, 'PUT', '/api/boards/board/mode', { token: owner, body: { mode: 'open' } })
    const viewer = await join(server, 'board', viewLink)
    const editor = await join(server, 'board', await link(server, 'board', owner, 'edit'))
    const ownerClient = await join(server, 'board', owner)
    const anyone = await join(server, 'board')
    const elsewhere = await join(
      server,
      'elsewhere',
      await link(server, 'elsewhere', await claim(server, 'elsewhere'), 'edit'),
    )
    expect((await api(server, 'POST', '/api/boards/board/revoke', { token: owner })).body).toEqual({
      epoch: 1,
    })
    const revoked = { code: CloseCode.Unauthorized, reason: 'this link was revoked' }
    expect(await viewer.closed).toEqual(revoked)
    expect(await editor.closed).toEqual(revoked)
    const fresh = await join(server, 'board', await link(server, 'board', owner, 'edit'))
    fresh.addShape('after')
    await waitFor(() => ownerClient.doc.getMap('shapes').has('after'), 'the owner to see the new link edit')
    expect([ownerClient.closeCode, anyone.closeCode, elsewhere.closeCode]).toEqual([null, null, null])

    // Turning link-only closes the sockets that came in without a link.
    await api(server, 'PUT', '/api/boards/board/mode', { token: owner, body: { mode: 'link' } })
    expect(await anyone.closed).toEqual({
      code: CloseCode.Unauthorized,
      reason: 'this board now needs a share link',
    })
    fresh.addShape('still')
    await waitFor(() => ownerClient.doc.getMap('shapes').has('still'), 'links to keep working')
    expect(ownerClient.closeCode).toBeNull()
  })

  it('the secret survives a restart: a link made before still works after', async () => {
    const dataDir = tempDir()
    let server = await start({ dataDir })
    const owner = await claim(server, 'board')
    const edit = await link(server, 'board', owner, 'edit')
    await api(server, 'PUT', '/api/boards/board/mode', { token: owner, body: { mode: 'link' } })
    await server.close()
    servers.length = 0
    server = await start({ dataDir })
    const editor = await join(server, 'board', edit)
    expect(editor.received.find((m) => m.t === 'welcome')).toMatchObject({ canEdit: true })
    // The board's mode and owner were stored too.
    expect((await api(server, 'GET', '/api/boards/board/access', { token: owner })).body).toEqual({
      mode: 'link',
      owned: true,
      role: 'owner',
      reason: null,
    })
    expect((await api(server, 'POST', '/api/boards/board/claim')).status).toBe(409)
  })
})

describe('the access API', () => {
  it('claims once; links, revoke and mode need the owner (or admin) token', async () => {
    const admin = 'a'.repeat(24)
    const server = await start({ adminToken: admin })
    expect((await api(server, 'GET', '/api/boards/board/access')).body).toEqual({
      mode: 'open',
      owned: false,
      role: 'edit',
      reason: null,
    })
    const owner = await claim(server, 'board')
    const again = await api(server, 'POST', '/api/boards/board/claim')
    expect(again.status).toBe(409)
    expect(typeof again.body.error).toBe('string')

    const edit = await link(server, 'board', owner, 'edit')
    for (const [method, path, body] of [
      ['POST', '/api/boards/board/links', { role: 'edit' }],
      ['POST', '/api/boards/board/revoke', undefined],
      ['PUT', '/api/boards/board/mode', { mode: 'link' }],
    ] as const) {
      expect((await api(server, method, path, { body })).status).toBe(401)
      expect((await api(server, method, path, { body, token: edit })).status).toBe(403)
      expect((await api(server, method, path, { body, token: 'nonsense' })).status).toBe(403)
      expect((await api(server, method, path, { body, token: admin })).status).toBe(200)
    }
    expect((await api(server, 'GET', '/api/boards/board/access', { token: edit })).body).toMatchObject({
      role: null,
      reason: 'this link was revoked',
    })

    const asked = Date.now()
    const timed = await api(server, 'POST', '/api/boards/board/links', {
      token: owner,
      body: { role: 'edit', expiresInSec: 3600 },
    })
    // At least as long as asked, within the second the expiry is rounded to.
    const lasts = Date.parse(timed.body.expiresAt as string) - asked
    expect(lasts).toBeGreaterThanOrEqual(3_600_000)
    expect(lasts).toBeLessThan(3_602_000)
    expect(
      (await api(server, 'GET', '/api/boards/board/access', { token: timed.body.token as string })).body,
    ).toMatchObject({ role: 'edit' })
    expect(
      (await api(server, 'POST', '/api/boards/board/links', { token: owner, body: { role: 'owner' } }))
        .status,
    ).toBe(400)
    expect((await api(server, 'POST', '/api/boards/bad%20id!/claim')).status).toBe(400)
    const bad = await fetch(`${server.url}/api/boards/board/links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      body: `{"role": "edit", "pad": "${'x'.repeat(4096)}"}`,
    })
    expect(bad.status).toBe(413)
    expect(await bad.json()).toHaveProperty('error')

    // A link-only board nobody owns, with content, can be claimed by an admin only.
    await api(server, 'PUT', '/api/boards/locked/mode', { token: admin, body: { mode: 'link' } })
    const drawer = await join(server, 'locked', await link(server, 'locked', admin, 'edit'))
    drawer.addShape('s1')
    await waitFor(() => server.rooms.get('locked')?.doc.getMap('shapes').has('s1') === true, 'the shape')
    expect((await api(server, 'POST', '/api/boards/locked/claim')).status).toBe(403)
    expect((await api(server, 'POST', '/api/boards/locked/claim', { token: admin })).status).toBe(201)
  })
})
