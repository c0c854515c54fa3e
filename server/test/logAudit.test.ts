import { Writable } from 'node:stream'
import * as encoding from 'lib0/encoding'
import pino from 'pino'
import { expect, it } from 'vitest'
import WebSocket from 'ws'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { MessageType, shapesMap } from '@easel/shared'
import { ProtocolClient } from '@easel/testkit/protocolClient.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { startServer, wsUrl } from './helpers.ts'
import { serverPerTest } from './observabilityScript.ts'

const ADMIN = 'admin-token-LOGAUDIT-0123456789'
const WRONG_ADMIN = 'wrong-admin-LOGAUDIT-987654321'
const TEXT = 'TOPSECRET-note-text-5b1f'
const CONTENT = 'DOC-CONTENT-author-77c2'
const REFUSED_CONTENT = 'REFUSED-CONTENT-'.repeat(8)

const t = serverPerTest()

it('a scripted session logs no document contents, texts, tokens or secrets; lines carry room and conn', async () => {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      done()
    },
  })
  const log = pino({ level: 'trace' }, sink)
  t.server = await startServer({ adminToken: ADMIN, access: 'link' }, { log })
  const room = 'audited'
  const api = (method: string, path: string, token?: string, body?: unknown) =>
    fetch(`${t.server!.url}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  const owner = ((await (await api('POST', `/api/boards/${room}/claim`)).json()) as { ownerToken: string })
    .ownerToken
  const share = (
    (await (await api('POST', `/api/boards/${room}/links`, owner, { role: 'edit' })).json()) as {
      token: string
    }
  ).token
  const join = async (token: string) => {
    const c = await ProtocolClient.connect(wsUrl(t.server!), `${room}?k=${encodeURIComponent(token)}`, {
      name: 'Ada',
    })
    t.clients.push(c)
    return c
  }
  const a = await join(share)
  const b = await join(owner)
  // A forged link is refused (and logged as refused).
  const forged = new ProtocolClient(
    new WebSocket(`${wsUrl(t.server)}/${room}?k=${share.slice(0, -4)}AAAA`),
    'forged',
    new Y.Doc(),
  )
  t.clients.push(forged)
  await forged.closed

  // A text shape, its lease, and a text commit.
  a.addShape('t1', { kind: 'text', fontSize: 16, createdBy: CONTENT })
  await waitFor(() => shapesMap(t.server!.rooms.get(room)!.doc).has('t1'), 'shape on the server')
  const granted = a.next((m) => m.t === 'lock.granted')
  a.send({ t: 'lock.acquire', shapeId: 't1', wait: false })
  const { token } = (await granted) as { token: number }
  const r = await a.commit({ ops: [{ shapeId: 't1', field: 'text', baseVersion: 0, value: TEXT }], token })
  expect(r.status).toBe('ok')
  // A losing commit: the conflict answer carries the winner's text.
  expect(
    (await b.commit({ ops: [{ shapeId: 't1', field: 'text', baseVersion: 0, value: 'x' }] })).status,
  ).not.toBe('ok')

  // An update the schema refuses (4415), carrying content of its own.
  const bad = new Y.Doc()
  Y.applyUpdate(bad, Y.encodeStateAsUpdate(b.doc))
  const before = Y.encodeStateVector(bad)
  shapesMap(bad).get('t1')!.set('createdBy', REFUSED_CONTENT)
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  syncProtocol.writeUpdate(encoder, Y.encodeStateAsUpdate(bad, before))
  b.ws.send(encoding.toUint8Array(encoder))
  await b.closed

  // Admin endpoints, with the right token and a wrong one.
  for (const path of ['/api/stats', '/metrics', '/api/admin/dashboard']) {
    expect((await api('GET', path, ADMIN)).status).toBe(200)
    expect((await api('GET', path, WRONG_ADMIN)).status).toBe(401)
  }
  const signing = t.server.secret
  await t.server.close()
  t.server = undefined

  const secrets = {
    TEXT,
    CONTENT,
    REFUSED_CONTENT,
    ADMIN,
    WRONG_ADMIN,
    owner,
    share,
    resume: a.resume!,
    secretHex: Buffer.from(signing).toString('hex'),
    secretBase64: Buffer.from(signing).toString('base64url'),
  }
  expect(lines.length).toBeGreaterThan(5)
  for (const line of lines) {
    for (const [what, secret] of Object.entries(secrets)) {
      expect(line, `${what} in a log line`).not.toContain(secret)
    }
  }
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  // Lines about one connection say which, and in which room.
  for (const msg of ['closing connection', 'limit tripped: schema', 'refused update to protected state']) {
    const about = parsed.filter((p) => p.msg === msg)
    if (msg !== 'refused update to protected state') expect(about.length, msg).toBeGreaterThan(0)
    for (const p of about) expect(p, msg).toMatchObject({ room, conn: expect.any(Number) })
  }
  for (const p of parsed.filter((x) => x.conn !== undefined)) expect(p.room).toBe(room)
})
