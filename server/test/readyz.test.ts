import { afterEach, expect, it } from 'vitest'
import { type EaselServer, SqlitePersistence } from '../src/index.ts'
import { startServer } from './helpers.ts'

let server: EaselServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

it('/readyz: 200 while storage answers, 503 naming storage once it does not; /healthz stays up', async () => {
  server = await startServer()
  const ready = await fetch(`${server.url}/readyz`)
  expect(ready.status).toBe(200)
  expect(await ready.json()).toEqual({ ok: true })

  const sqlite = server.persistence as SqlitePersistence
  expect(sqlite).toBeInstanceOf(SqlitePersistence)
  sqlite.db.close()
  const down = await fetch(`${server.url}/readyz`)
  expect(down.status).toBe(503)
  expect(await down.json()).toEqual({ ok: false, failing: 'storage' })
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  // Nothing left to store: closing the server closes what is already closed.
  await server.close().catch(() => {})
  server = undefined
})
