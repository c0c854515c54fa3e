import http from 'node:http'
import { afterEach, expect, it } from 'vitest'
import type { EaselServer } from '../src/index.ts'
import { startServer, stockClient, wsUrl } from './helpers.ts'

let server: EaselServer | undefined
const cleanups: (() => void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) c()
  await server?.close()
  server = undefined
})

/** The HTTP status an upgrade to a room gets, with the given headers (101 when accepted). */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/ws/probe-room`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    })
    req.on('upgrade', (res, socket) => {
      socket.destroy()
      resolve(res.statusCode ?? 0)
    })
    req.on('response', (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
}

it('"GET /api/stats lists every open room\'s name" no longer: 404 without an admin token configured, 401 with a wrong one, names only for the admin', async () => {
  const admin = 'admin-token-0123456789'
  server = await startServer()
  const client = stockClient(wsUrl(server), 'secret-room-name')
  cleanups.push(client.destroy)
  await client.synced
  const off = await fetch(`${server.url}/api/stats`)
  expect(off.status).toBe(404)
  expect(await off.text()).not.toContain('secret-room-name')
  await server.close()

  server = await startServer({ adminToken: admin })
  const other = stockClient(wsUrl(server), 'secret-room-name')
  cleanups.push(other.destroy)
  await other.synced
  for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Bearer ${admin}x`, admin]) {
    const res = await fetch(`${server.url}/api/stats`, { headers: authorization ? { authorization } : {} })
    expect(res.status).toBe(401)
    expect(await res.text()).not.toContain('secret-room-name')
  }
  const ok = await fetch(`${server.url}/api/stats`, { headers: { authorization: `Bearer ${admin}` } })
  expect(ok.status).toBe(200)
  expect(((await ok.json()) as { roomNames: string[] }).roomNames).toContain('secret-room-name')
})

it('"an upgrade with Origin: https://evil.example is accepted" no longer: refused with 403; same-origin and allowlisted are accepted', async () => {
  server = await startServer({ allowedOrigins: 'https://app.example' })
  const host = new URL(server.url).host
  expect(await upgradeStatus(server.url, { Origin: 'https://evil.example' })).toBe(403)
  expect(server.limits.tripped.origin).toBe(1)
  expect(await upgradeStatus(server.url, { Origin: `http://${host}`, Host: host })).toBe(101)
  expect(await upgradeStatus(server.url, { Origin: 'https://app.example' })).toBe(101)
  expect(await upgradeStatus(server.url, {})).toBe(101)
  await server.close()
  server = await startServer({ allowedOrigins: '*' })
  expect(await upgradeStatus(server.url, { Origin: 'https://evil.example' })).toBe(101)
})
