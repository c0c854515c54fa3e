import { describe, expect, it } from 'vitest'
import { dashboardSchema, shapesMap } from '@easel/shared'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { LIMIT_NAMES } from '../src/index.ts'
import { closeCode, rawSocket, startServer, wsUrl } from './helpers.ts'
import { ADMIN, parseMetrics, SCRIPT, scriptedSession, serverPerTest } from './observabilityScript.ts'

const t = serverPerTest()

async function scrape(url = `${t.server!.url}/metrics`, token: string | null = ADMIN): Promise<Response> {
  return fetch(url, { headers: token === null ? {} : { authorization: `Bearer ${token}` } })
}

async function metrics(url?: string, token?: string | null): Promise<Map<string, number>> {
  const res = await scrape(url, token)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return parseMetrics(await res.text())
}

describe('/metrics', () => {
  it('reports exactly what a scripted session did', async () => {
    t.server = await startServer({ adminToken: ADMIN })
    t.clients = await scriptedSession(t.server)
    const m = await metrics()
    const expected: Record<string, number> = {
      'easel_commits_total{outcome="ok"}': SCRIPT.ok,
      'easel_commits_total{outcome="conflict"}': SCRIPT.conflicts,
      'easel_commits_total{outcome="duplicate"}': SCRIPT.duplicates,
      'easel_commits_total{outcome="refused"}': SCRIPT.refused,
      'easel_commit_conflicts_total{field="locked"}': SCRIPT.conflicts,
      'easel_commit_conflicts_total{field="text"}': 0,
      'easel_commit_conflicts_total{field="other"}': 0,
      easel_commit_duration_seconds_count: SCRIPT.ok + SCRIPT.conflicts + SCRIPT.duplicates + SCRIPT.refused,
      easel_lease_grants_total: SCRIPT.grants,
      easel_lease_waits_total: SCRIPT.leaseWaits,
      easel_lease_wait_seconds_count: SCRIPT.leaseWaits,
      'easel_lease_denials_total{reason="held"}': SCRIPT.deniedHeld,
      'easel_lease_denials_total{reason="unknown_shape"}': SCRIPT.deniedUnknown,
      'easel_lease_denials_total{reason="limit"}': 0,
      'easel_lease_ends_total{cause="released"}': SCRIPT.released,
      'easel_lease_ends_total{cause="expired"}': 0,
      easel_lease_hold_seconds_count: SCRIPT.released,
      'easel_sockets_closed_total{code="4415"}': SCRIPT.schemaRefusals,
      'easel_sockets_closed_total{code="4429"}': 0,
      easel_connections: 2,
      easel_rooms_loaded: 1,
    }
    for (const name of LIMIT_NAMES) {
      expected[`easel_limit_trips_total{limit="${name}"}`] =
        name === 'schema' ? SCRIPT.schemaRefusals : name === 'lease_unknown_shape' ? 1 : 0
    }
    expect(Object.fromEntries(Object.keys(expected).map((k) => [k, m.get(k)]))).toEqual(expected)
    expect(m.get('easel_persistence_append_seconds_count')).toBeGreaterThan(0)
    expect(m.get('easel_process_resident_memory_bytes')).toBeGreaterThan(0)
    expect(m.has('easel_nodejs_eventloop_lag_p99_seconds')).toBe(true)
    // No room or shape id in any series.
    for (const key of m.keys()) {
      expect(key).not.toContain(SCRIPT.room)
      expect(key).not.toContain(`"${SCRIPT.hotShape}"`)
    }

    // The dashboard counts the same events.
    const res = await fetch(`${t.server.url}/api/admin/dashboard`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    })
    const data = dashboardSchema.parse(await res.json())
    for (const outcome of ['ok', 'conflict', 'duplicate', 'refused']) {
      expect(data.totals.commits[outcome]).toBe(m.get(`easel_commits_total{outcome="${outcome}"}`))
    }
    expect(data.totals.closes['4415']).toBe(1)
  })

  it('counts one update in and its one delivery out', async () => {
    t.server = await startServer({ adminToken: ADMIN })
    const [a, b] = await scriptedSession(t.server)
    t.clients = [a!, b!]
    const before = await metrics()
    a!.addShape('late')
    await waitFor(() => shapesMap(b!.doc).has('late'), 'the update delivered')
    const after = await metrics()
    const delta = (name: string) => after.get(name)! - before.get(name)!
    expect(delta('easel_yjs_updates_received_total')).toBe(1)
    expect(delta('easel_yjs_updates_sent_total')).toBe(1)
    expect(delta('easel_yjs_received_bytes_total')).toBeGreaterThan(0)
    expect(delta('easel_yjs_sent_bytes_total')).toBeGreaterThan(delta('easel_yjs_received_bytes_total'))
    expect(delta('easel_persistence_append_seconds_count')).toBe(1)
  })

  it('counts the sockets ws closes by itself: a frame over maxPayload is 1009', async () => {
    t.server = await startServer({ adminToken: ADMIN, maxPayload: 1024 })
    const ws = await rawSocket(wsUrl(t.server), 'big')
    ws.send(new Uint8Array(4096))
    expect((await closeCode(ws)).code).toBe(1009)
    const m = await metrics()
    expect(m.get('easel_sockets_closed_total{code="1009"}')).toBe(1)
  })

  it('needs the admin token: 401 without or with a wrong one, 404 when none is configured', async () => {
    t.server = await startServer({ adminToken: ADMIN })
    expect((await scrape(undefined, null)).status).toBe(401)
    expect((await scrape(undefined, 'wrong-token-0123456789')).status).toBe(401)
    expect((await scrape()).status).toBe(200)
    await t.server.close()
    t.server = await startServer()
    expect((await scrape(undefined, null)).status).toBe(404)
    expect((await scrape()).status).toBe(404)
  })

  it('--metrics-listen serves it on its own port without the token, and not on the main one', async () => {
    t.server = await startServer({ adminToken: ADMIN, metricsListen: '127.0.0.1:0' })
    expect(t.server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(t.server.metricsUrl).not.toBe(t.server.url)
    const m = await metrics(`${t.server.metricsUrl}/metrics`, null)
    expect(m.get('easel_connections')).toBe(0)
    expect((await scrape()).status).toBe(404)
    expect((await fetch(`${t.server.metricsUrl}/api/admin/dashboard`)).status).toBe(404)
  })

  it('metrics: false turns the instruments off: no /metrics, no dashboard', async () => {
    t.server = await startServer({ adminToken: ADMIN, metrics: false })
    expect(t.server.telemetry).toBeNull()
    expect((await scrape()).status).toBe(404)
    const res = await fetch(`${t.server.url}/api/admin/dashboard`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    })
    expect(res.status).toBe(404)
  })
})
