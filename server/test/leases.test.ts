import { afterEach, describe, expect, it } from 'vitest'
import { readShapes, type ServerMessage } from '@easel/shared'
import type { EaselServer, ServerDeps } from '../src/index.ts'
import { ProtocolClient } from '@easel/testkit/protocolClient.ts'
import { spawnServer, tempDir } from '@easel/testkit/serverProcess.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { startServer, wsUrl } from './helpers.ts'

let server: EaselServer | undefined
const clients: ProtocolClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await server?.close()
  server = undefined
})

async function connect(base: string, room: string, name: string) {
  const c = await ProtocolClient.connect(base, room, { name })
  clients.push(c)
  return c
}

type Granted = Extract<ServerMessage, { t: 'lock.granted' }>
const granted = (c: ProtocolClient, shapeId = 's1') =>
  c.next((m) => m.t === 'lock.granted' && m.shapeId === shapeId) as Promise<Granted>

async function room(names: string[], config = {}, deps: ServerDeps = {}) {
  server = await startServer({ leaseTtlMs: 400, leaseIdleMs: 5000, ...config }, deps)
  const cs = await Promise.all(names.map((n) => connect(wsUrl(server!), 'locks', n)))
  cs[0]!.addShape('s1')
  for (const c of cs) await waitFor(() => c.doc.getMap('shapes').has('s1'), 'shape everywhere')
  await waitFor(() => server!.rooms.get('locks')!.doc.getMap('shapes').has('s1'), 'shape on server')
  return cs
}

describe('leases over the wire', () => {
  it('two clients race for one lock: exactly one is granted, the other is denied with the holder', async () => {
    const [a, b] = await room(['Ada', 'Bo'])
    const answers = Promise.all(
      [a!, b!].map((c) =>
        c.next((m) => (m.t === 'lock.granted' || m.t === 'lock.denied') && m.shapeId === 's1'),
      ),
    )
    a!.send({ t: 'lock.acquire', shapeId: 's1', wait: false })
    b!.send({ t: 'lock.acquire', shapeId: 's1', wait: false })
    const [ra, rb] = await answers
    expect([ra!.t, rb!.t].sort()).toEqual(['lock.denied', 'lock.granted'])
    const denied = (ra!.t === 'lock.denied' ? ra : rb) as Extract<ServerMessage, { t: 'lock.denied' }>
    expect(denied.holderName).toBe(ra!.t === 'lock.granted' ? 'Ada' : 'Bo')
    // Everyone is told who holds it, without the token, and whether it is theirs.
    const winner = ra!.t === 'lock.granted' ? a! : b!
    for (const c of [a!, b!]) {
      await waitFor(
        () => c.received.some((m) => m.t === 'leases.changed' && m.set.length === 1),
        'lease change',
      )
      const change = c.received.find((m) => m.t === 'leases.changed')
      expect(change).toEqual({
        t: 'leases.changed',
        set: [
          {
            shapeId: 's1',
            holderId: winner.sessionId,
            holderName: denied.holderName,
            holderColor: expect.stringMatching(/^#[0-9a-f]{6}$/),
            mine: c === winner,
            expiresIn: expect.any(Number),
          },
        ],
        removed: [],
      })
    }
  })

  it('the holder’s socket closes: the lock frees at once and a waiter gets it', async () => {
    // The lease clock stands still: no lease can expire, so only the closed socket frees it.
    const [a, b] = await room(['Ada', 'Bo'], {}, { leaseClock: () => 0 })
    const ga = granted(a!)
    a!.send({ t: 'lock.acquire', shapeId: 's1', wait: false })
    const first = await ga
    const gb = granted(b!)
    b!.send({ t: 'lock.acquire', shapeId: 's1', wait: true })
    await b!.next((m) => m.t === 'lock.denied' && m.position === 1)
    a!.close()
    const second = await gb
    expect(second.token).toBeGreaterThan(first.token)
  })

  it('a holder that stops renewing loses the lock after the TTL; its old token cannot write', async () => {
    let now = 0
    const [a, b] = await room(['Ada', 'Bo'], {}, { leaseClock: () => now })
    const ga = granted(a!)
    a!.send({ t: 'lock.acquire', shapeId: 's1', wait: false })
    const tokenA = (await ga).token
    expect(
      await a!.commit({
        ops: [{ shapeId: 's1', field: 'text', baseVersion: 0, value: 'from Ada' }],
        token: tokenA,
      }),
    ).toEqual({ status: 'ok', versions: [1] })
    // Ada freezes (no renewals). After the TTL she is told she lost it, and Bo can take it.
    now += 401
    const lost = await a!.next((m) => m.t === 'lock.lost', 3000)
    expect(lost).toMatchObject({ shapeId: 's1', token: tokenA, reason: 'expired' })
    const gb = granted(b!)
    b!.send({ t: 'lock.acquire', shapeId: 's1', wait: false })
    const tokenB = (await gb).token
    expect(tokenB).toBeGreaterThan(tokenA)
    expect(
      await b!.commit({
        ops: [{ shapeId: 's1', field: 'text', baseVersion: 1, value: 'from Bo' }],
        token: tokenB,
      }),
    ).toMatchObject({ status: 'ok' })
    // Ada comes back and writes with her old token: refused, Bo's text intact.
    const stale = await a!.commit({
      ops: [{ shapeId: 's1', field: 'text', baseVersion: 2, value: 'stale Ada' }],
      token: tokenA,
    })
    expect(stale).toMatchObject({ status: 'error', code: 'locked', holder: 'Bo' })
    // Renewing the old token is refused as well.
    a!.send({ t: 'lock.renew', shapeId: 's1', token: tokenA, activity: true })
    expect(await a!.next((m) => m.t === 'lock.lost')).toMatchObject({ reason: 'superseded' })
    await waitFor(() => readShapes(a!.doc).shapes[0]?.text === 'from Bo', 'Ada sees Bo’s text')
    expect(readShapes(server!.rooms.get('locks')!.doc).shapes[0]!.text).toBe('from Bo')
  })

  it('renewals keep a lease past its TTL; a lease not renewed within it is lost and passes on', async () => {
    // The server's lease clock is the test's: six renewals 130 ms apart on it span twice the
    // 400 ms TTL, however long the machine takes to deliver them.
    let now = 0
    const [a, b] = await room(['Ada', 'Bo'], {}, { leaseClock: () => now })
    const ga = granted(a!)
    a!.send({ t: 'lock.acquire', shapeId: 's1', wait: false })
    const { token } = await ga
    for (let i = 0; i < 6; i++) {
      now += 130
      a!.send({ t: 'lock.renew', shapeId: 's1', token, activity: true })
      expect(await a!.next((m) => m.t === 'lock.renewed' || m.t === 'lock.lost')).toMatchObject({
        t: 'lock.renewed',
        expiresIn: 400,
      })
    }
    b!.send({ t: 'lock.acquire', shapeId: 's1', wait: false })
    expect(await b!.next((m) => m.t === 'lock.denied' || m.t === 'lock.granted')).toMatchObject({
      t: 'lock.denied',
    })
    // One TTL without a renewal on the same clock, and the lease is gone.
    now += 401
    a!.send({ t: 'lock.renew', shapeId: 's1', token, activity: true })
    expect(await a!.next((m) => m.t === 'lock.renewed' || m.t === 'lock.lost')).toMatchObject({
      t: 'lock.lost',
    })
    const gb = granted(b!)
    b!.send({ t: 'lock.acquire', shapeId: 's1', wait: true })
    expect((await gb).token).toBe(token + 1)
  })

  it('a lease is released when its holder stops typing for the idle time', async () => {
    let now = 0
    const [a] = await room(['Ada'], { leaseTtlMs: 200, leaseIdleMs: 600 }, { leaseClock: () => now })
    const ga = granted(a!)
    a!.send({ t: 'lock.acquire', shapeId: 's1', wait: false })
    const { token } = await ga
    let reason: string | undefined
    // Renewals without typing every 60 ms on the lease clock, until the lease goes idle at 600 ms.
    while (now < 2000 && !reason) {
      now += 60
      a!.send({ t: 'lock.renew', shapeId: 's1', token, activity: false })
      const m = await a!.next((x) => x.t === 'lock.renewed' || x.t === 'lock.lost')
      if (m.t === 'lock.lost') reason = m.reason
    }
    expect(reason).toBeDefined()
    expect(now).toBeGreaterThanOrEqual(600)
    // The first notice of the loss names the cause (later renewals just hear it is gone).
    expect(a!.received.find((m) => m.t === 'lock.lost')).toMatchObject({ reason: 'idle', token })
  })

  it('three clients waiting for one sticky get it in request order', async () => {
    const [a, b, c] = await room(['Ada', 'Bo', 'Cy'], { leaseTtlMs: 60_000 })
    const ga = granted(a!)
    a!.send({ t: 'lock.acquire', shapeId: 's1', wait: false })
    const t1 = (await ga).token
    b!.send({ t: 'lock.acquire', shapeId: 's1', wait: true })
    await b!.next((m) => m.t === 'lock.denied' && m.position === 1)
    c!.send({ t: 'lock.acquire', shapeId: 's1', wait: true })
    await c!.next((m) => m.t === 'lock.denied' && m.position === 2)
    const gb = granted(b!)
    a!.send({ t: 'lock.release', shapeId: 's1', token: t1 })
    const t2 = (await gb).token
    const gc = granted(c!)
    b!.send({ t: 'lock.release', shapeId: 's1', token: t2 })
    const t3 = (await gc).token
    expect([t1, t2, t3]).toEqual([t1, t1 + 1, t1 + 2])
    expect(c!.received.filter((m) => m.t === 'lock.granted')).toHaveLength(1)
  })

  it('deleting a shape someone else is editing is refused with their name', async () => {
    const [a, b] = await room(['Ada', 'Bo'], { leaseTtlMs: 60_000 })
    const ga = granted(a!)
    a!.send({ t: 'lock.acquire', shapeId: 's1', wait: false })
    await ga
    expect(
      await b!.commit({ ops: [{ shapeId: 's1', field: 'deleted', baseVersion: 0, value: true }] }),
    ).toMatchObject({
      status: 'error',
      code: 'locked',
      holder: 'Ada',
    })
  })
})

describe('fencing tokens across a crash', () => {
  it('keep growing after kill -9 and restart', async () => {
    const dataDir = tempDir()
    const runs: { proc: import('node:child_process').ChildProcess; exited: Promise<unknown> }[] = []
    try {
      const tokens: number[] = []
      for (let run = 0; run < 2; run++) {
        const s = await spawnServer(dataDir, ['--lease-ttl-ms', '200'])
        runs.push(s)
        const base = `${s.url.replace(/^http/, 'ws')}/ws`
        const c = await connect(base, 'fence', `run${run}`)
        c.addShape(`s${run}`)
        await new Promise((r) => setTimeout(r, 100))
        for (let i = 0; i < 3; i++) {
          const g = granted(c, `s${run}`)
          c.send({ t: 'lock.acquire', shapeId: `s${run}`, wait: false })
          const { token } = await g
          tokens.push(token)
          c.send({ t: 'lock.release', shapeId: `s${run}`, token })
          await c.next((m) => m.t === 'leases.changed' && m.removed.includes(`s${run}`))
        }
        s.proc.kill('SIGKILL')
        await s.exited
      }
      expect(tokens).toEqual([1, 2, 3, 4, 5, 6])
    } finally {
      for (const r of runs) r.proc.kill('SIGKILL')
    }
  })
})
