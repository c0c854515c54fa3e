import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { COMMIT_OUTCOMES, type Dashboard, type DashboardSample, dashboardSchema } from '@easel/shared'
import { tempDir } from '@easel/testkit/serverProcess.ts'
import { startServer } from './helpers.ts'
import { ADMIN, SCRIPT, scriptedSession, serverPerTest } from './observabilityScript.ts'

const t = serverPerTest()

async function dashboard(token: string | null = ADMIN): Promise<Response> {
  return fetch(`${t.server!.url}/api/admin/dashboard`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  })
}

async function read(): Promise<Dashboard> {
  const res = await dashboard()
  expect(res.status).toBe(200)
  return dashboardSchema.parse(await res.json())
}

/** Sums a count over every sample. */
function sum(samples: DashboardSample[], pick: (s: DashboardSample) => number | undefined): number {
  return samples.reduce((n, s) => n + (pick(s) ?? 0), 0)
}

describe('GET /api/admin/dashboard', () => {
  it('reports a scripted session: totals, samples and the hot shape first, valid under the schema', async () => {
    t.server = await startServer({ adminToken: ADMIN, dashboardIntervalMs: 20 })
    t.clients = await scriptedSession(t.server)
    // Every event is in a sample once a sample ends after the last of them, and the refused third
    // client is gone from the room once the server has seen its socket close (after the client has).
    let data = await read()
    while (
      sum(data.samples, (s) => s.limits.schema) < SCRIPT.schemaRefusals ||
      data.samples.at(-1)?.users !== 2
    ) {
      await new Promise((r) => setTimeout(r, 20))
      data = await read()
    }

    expect(data.intervalMs).toBe(20)
    expect(data.totals.commits).toEqual({
      ok: SCRIPT.ok,
      conflict: SCRIPT.conflicts,
      duplicate: SCRIPT.duplicates,
      refused: SCRIPT.refused,
    })
    expect(data.totals.conflictsByField).toMatchObject({ locked: SCRIPT.conflicts, other: 0 })
    expect(data.totals.leases).toEqual({
      granted: SCRIPT.grants,
      denied: SCRIPT.deniedHeld + SCRIPT.deniedUnknown,
      ended: { released: SCRIPT.released, disconnected: 0, expired: 0, idle: 0 },
    })
    expect(data.totals.limits).toMatchObject({ schema: 1, lease_unknown_shape: 1, rate_frames: 0 })
    expect(data.totals.closes['4415']).toBe(1)

    for (const outcome of COMMIT_OUTCOMES) {
      expect(sum(data.samples, (s) => s.commits[outcome])).toBe(data.totals.commits[outcome])
    }
    expect(sum(data.samples, (s) => s.conflictsByField.locked)).toBe(SCRIPT.conflicts)
    expect(sum(data.samples, (s) => s.leaseWaits)).toBe(SCRIPT.leaseWaits)
    expect(sum(data.samples, (s) => s.limits.lease_unknown_shape)).toBe(1)
    expect(sum(data.samples, (s) => s.updatesIn)).toBeGreaterThan(0)
    expect(sum(data.samples, (s) => s.updatesOut)).toBeGreaterThan(0)
    const withWaits = data.samples.filter((s) => s.leaseWaits > 0)
    for (const s of withWaits) {
      expect(s.leaseWaitP50Ms).toBeGreaterThan(0)
      expect(s.leaseWaitP99Ms!).toBeGreaterThanOrEqual(s.leaseWaitP50Ms!)
    }
    for (const s of data.samples.filter((x) => x.leaseWaits === 0)) expect(s.leaseWaitP50Ms).toBeNull()
    expect(data.samples.at(-1)).toMatchObject({ rooms: 1, users: 2 })

    expect(data.hotShapes[0]).toMatchObject({
      room: SCRIPT.room,
      shape: SCRIPT.hotShape,
      conflicts: SCRIPT.conflicts,
      leaseWaits: SCRIPT.leaseWaits,
      fields: { locked: SCRIPT.conflicts },
    })
    expect(data.hotShapes[0]!.leaseWaitTotalMs).toBeGreaterThanOrEqual(data.hotShapes[0]!.leaseWaitMaxMs)
    expect(data.hotShapes).toHaveLength(1)
  })

  it('needs the admin token: 401 without or with a wrong one, 404 when none is configured', async () => {
    t.server = await startServer({ adminToken: ADMIN })
    expect((await dashboard(null)).status).toBe(401)
    expect((await dashboard('wrong-token-0123456789')).status).toBe(401)
    expect((await dashboard()).status).toBe(200)
    await t.server.close()
    t.server = await startServer()
    expect((await dashboard(null)).status).toBe(404)
    expect((await dashboard()).status).toBe(404)
  })

  it('keeps at most DASHBOARD_SAMPLES samples, oldest first', async () => {
    t.server = await startServer({ adminToken: ADMIN, dashboardIntervalMs: 60_000 })
    for (let i = 0; i < 400; i++) t.server.dashboard!.sample()
    const data = await read()
    expect(data.samples).toHaveLength(360)
    const ats = data.samples.map((s) => s.at)
    expect([...ats].sort((x, y) => x - y)).toEqual(ats)
  })
})

it('serves the single-page app at /admin', async () => {
  const clientDir = tempDir()
  fs.writeFileSync(path.join(clientDir, 'index.html'), '<!doctype html><title>easel-spa</title>')
  t.server = await startServer({ clientDir })
  const res = await fetch(`${t.server.url}/admin`)
  expect(res.status).toBe(200)
  expect(await res.text()).toContain('easel-spa')
})
