import fs from 'node:fs'
import { shapesMap } from '@easel/shared'
import { afterAll, describe, expect, it } from 'vitest'
import { ProtocolClient } from '../src/protocolClient.ts'
import { type SpawnedServer, spawnReady, spawnServer, tempDir } from '../src/serverProcess.ts'
import { waitFor } from '../src/waitFor.ts'

describe('spawnServer', () => {
  let server: SpawnedServer | undefined
  const dataDir = tempDir()
  afterAll(async () => {
    await server?.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('resolves once /healthz answers, and a protocol client can join at once', async () => {
    server = await spawnServer(dataDir)
    expect((await fetch(`${server.url}/healthz`)).ok).toBe(true)
    const c = await ProtocolClient.connect(server.wsUrl, 'kit')
    expect(c.received.some((m) => m.t === 'welcome')).toBe(true)
    await c.close()
  })

  it('a client without applyUpdates ignores the room after its initial sync; an observer applies it', async () => {
    const writer = await ProtocolClient.connect(server!.wsUrl, 'lean')
    writer.addShape('before')
    const late = await ProtocolClient.connect(server!.wsUrl, 'lean', { applyUpdates: false })
    const observer = await ProtocolClient.connect(server!.wsUrl, 'lean')
    await waitFor(() => shapesMap(observer.doc).has('before'), 'the first shape at the observer')
    expect(shapesMap(late.doc).has('before')).toBe(true)
    writer.addShape('after')
    await waitFor(() => shapesMap(observer.doc).has('after'), 'the second shape at the observer')
    expect(shapesMap(late.doc).has('after')).toBe(false)
    await Promise.all([writer.close(), late.close(), observer.close()])
  })
})

describe('spawnReady', () => {
  it('rejects with the output when the process exits before it is ready', async () => {
    await expect(
      spawnReady(['-e', 'console.error("no luck"); process.exit(3)'], {
        cwd: process.cwd(),
        env: process.env,
        readyUrl: 'http://127.0.0.1:9/',
      }),
    ).rejects.toThrow(/exited \(3\):\s*no luck/)
  })
})

describe('waitFor', () => {
  it('names what it waited for when it gives up', async () => {
    await expect(waitFor(() => false, 'nothing', 30)).rejects.toThrow(
      'timed out after 30 ms waiting for nothing',
    )
  })
})
