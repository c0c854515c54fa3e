import { afterEach, describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { insertShape, shapesMap } from '@easel/shared'
import { RECT } from '@easel/testkit/protocolClient.ts'
import { spawnServer, tempDir } from '@easel/testkit/serverProcess.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { stockClient } from './helpers.ts'

const procs: { proc: import('node:child_process').ChildProcess }[] = []
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
  for (const p of procs.splice(0)) p.proc.kill('SIGKILL')
})

async function start(dataDir: string, args: string[] = []) {
  const s = await spawnServer(dataDir, args)
  procs.push(s)
  return { ...s, ws: `${s.url.replace(/^http/, 'ws')}/ws` }
}

function client(ws: string, room: string) {
  const c = stockClient(ws, room)
  cleanups.push(c.destroy)
  return c
}

/** Writer A makes `n` edits; resolves once observer B has seen them all broadcast. */
async function writeAndObserve(ws: string, room: string, n: number) {
  const a = client(ws, room)
  const b = client(ws, room)
  await Promise.all([a.synced, b.synced])
  insertShape(a.doc, 'log', { ...RECT })
  const log = shapesMap(a.doc).get('log')!
  for (let i = 0; i < n; i++) log.set('x', i)
  insertShape(a.doc, 'last', { ...RECT, x: 7 })
  await waitFor(() => xOf(b.doc, 'log') === n - 1 && xOf(b.doc, 'last') === 7, 'broadcast')
  return { a, b, expected: n - 1 }
}

/** The `x` of shape `id` (the editor's writes are what the server accepts). */
const xOf = (doc: Y.Doc, id: string) => shapesMap(doc).get(id)?.get('x')

describe('durability across restarts', () => {
  for (const [how, signal] of [
    ['kill -9', 'SIGKILL'],
    ['a graceful stop', 'SIGTERM'],
  ] as const) {
    it(`every broadcast update survives ${how}`, async () => {
      const dataDir = tempDir()
      const first = await start(dataDir, ['--compact-after', '50'])
      const { expected } = await writeAndObserve(first.ws, 'durable', 120)
      // Kill the moment the observer saw the last update: no flush, no goodbye.
      first.proc.kill(signal)
      const code = await first.exited
      if (signal === 'SIGTERM') expect(code).toBe(0)
      for (const c of cleanups.splice(0)) c()

      const second = await start(dataDir)
      const fresh = client(second.ws, 'durable')
      await fresh.synced
      expect(xOf(fresh.doc, 'log')).toBe(expected)
      expect(xOf(fresh.doc, 'last')).toBe(7)
    })
  }

  it('graceful stop closes sockets with 1001 so clients know to reconnect', async () => {
    const dataDir = tempDir()
    const s = await start(dataDir)
    const a = client(s.ws, 'bye')
    await a.synced
    const closed = new Promise<number>((resolve) =>
      a.provider.ws!.addEventListener('close', (e: { code: number }) => resolve(e.code)),
    )
    s.proc.kill('SIGTERM')
    expect(await closed).toBe(1001)
    expect(await s.exited).toBe(0)
  })
})
