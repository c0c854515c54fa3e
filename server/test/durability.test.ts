import { afterEach, describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { insertShape, shapesMap } from '@easel/shared'
import { MemoryPersistence } from '../src/index.ts'
import { SNAPSHOT_FROM_MEMORY_BYTES } from '../src/Room.ts'
import { RECT } from '@easel/testkit/protocolClient.ts'
import { spawnServer, tempDir } from '@easel/testkit/serverProcess.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import { stockClient } from './helpers.ts'
import { type MemoryClient, MemoryServer } from './memoryRoom.ts'

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

/** Memory storage whose compactions take what is stored when called, and finish when the test says. */
class SlowCompactions extends MemoryPersistence {
  started = 0
  finished = 0
  private release: () => void = () => {}
  private gate = new Promise<void>((r) => {
    this.release = r
  })
  finish(): void {
    this.release()
  }
  override async compact(room: string, given?: Uint8Array): Promise<Uint8Array | null> {
    this.started++
    const state = super.compact(room, given)
    await this.gate
    this.finished++
    return state
  }
}

describe('compaction beside the room', () => {
  it('a room goes on storing and broadcasting while its compaction runs; its size is then exact', async () => {
    const persistence = new SlowCompactions()
    const server = new MemoryServer({ persistence, compactAfter: 3 })
    const a = await server.connect('big')
    const b = await server.connect('big')
    a.addShape('s1')
    a.addShape('s2')
    a.deliverToServer()
    await until(server, () => persistence.started === 1)
    // The compaction is under way; an edit made now still reaches the other client.
    a.addShape('s3')
    a.deliverToServer()
    await until(server, () => {
      b.deliverToClient()
      return shapesMap(b.doc).has('s3')
    })
    expect(persistence.finished).toBe(0)
    expect(server.rooms.busy).toBe(true)

    persistence.finish()
    await server.settle()
    expect(persistence.finished).toBe(1)
    // The snapshot's length plus what was stored after it: what a reload would hold.
    const stored = persistence.rooms.get('big')!
    const after = stored.log.reduce((n, u) => n + u.byteLength, 0)
    expect(after).toBeGreaterThan(0)
    expect(a.room!.docBytes).toBe(stored.snapshot!.byteLength + after)
    for (const c of [a, b] as MemoryClient[]) c.close()
    await server.quiet()
    // Unloading folds the rest in.
    expect(persistence.rooms.get('big')!.log).toEqual([])
    expect(persistence.finished).toBe(2)
  })
})

/**
 * Memory storage that records, per compaction, whether the room handed it its document, and the
 * bytes stored for the room then (its snapshot and log: what the room's size bound counts).
 */
class RecordedCompactions extends MemoryPersistence {
  readonly compactions: { given: Uint8Array | undefined; storedBytes: number }[] = []
  get given(): (Uint8Array | undefined)[] {
    return this.compactions.map((c) => c.given)
  }
  override async compact(room: string, state?: Uint8Array): Promise<Uint8Array | null> {
    const r = this.rooms.get(room)
    const storedBytes = (r?.snapshot?.byteLength ?? 0) + (r?.log ?? []).reduce((n, u) => n + u.byteLength, 0)
    this.compactions.push({ given: state?.slice(), storedBytes })
    return super.compact(room, state)
  }
}

describe('compaction from the document in memory', () => {
  it("a small board's snapshot is the room's own encoding; a reload has every shape", async () => {
    const persistence = new RecordedCompactions()
    const server = new MemoryServer({ persistence, compactAfter: 3 })
    const a = await server.connect('small')
    for (const id of ['s1', 's2', 's3']) a.addShape(id)
    a.deliverToServer()
    await server.settle()
    expect(persistence.given).toHaveLength(1)
    const state = persistence.given[0]
    expect(state).toBeInstanceOf(Uint8Array)
    // Stored as handed over, byte for byte; the log it covers is gone.
    expect(persistence.rooms.get('small')!.snapshot).toEqual(state)
    expect(persistence.rooms.get('small')!.log.length).toBeLessThan(3)
    a.addShape('s4')
    await server.settle()
    a.close()
    await server.quiet()
    expect(await shapesAfterRestart(persistence, 'small')).toEqual(['s1', 's2', 's3', 's4'])
  })

  it('a board over SNAPSHOT_FROM_MEMORY_BYTES is folded by storage instead', async () => {
    const persistence = new RecordedCompactions()
    const server = new MemoryServer({ persistence, compactAfter: 2 })
    const a = await server.connect('large')
    // Pen strokes of 30 000 coordinates (~150 KB each): the board passes the bound on the way.
    const points = Array.from({ length: 30_000 }, (_, i) => i + 0.5)
    for (const id of ['p1', 'p2', 'p3', 'p4']) {
      a.addShape(id, { kind: 'pen', points })
      await server.settle()
    }
    const kinds = persistence.compactions.map((c) => ({
      given: c.given !== undefined,
      small: c.storedBytes <= SNAPSHOT_FROM_MEMORY_BYTES,
    }))
    // Handed over exactly while the board was small; both happened.
    for (const k of kinds) expect(k.given).toBe(k.small)
    expect(kinds.some((k) => k.given)).toBe(true)
    expect(kinds.some((k) => !k.given)).toBe(true)
    a.close()
    await server.quiet()
    expect(await shapesAfterRestart(persistence, 'large')).toEqual(['p1', 'p2', 'p3', 'p4'])
  })
})

/** The shape ids a client joining `room` sees on a new server over the same stored rooms, sorted. */
async function shapesAfterRestart(persistence: MemoryPersistence, room: string): Promise<string[]> {
  const again = new MemoryServer({ persistence: new MemoryPersistence(persistence.rooms) })
  const b = await again.connect(room)
  b.deliverToClient()
  const ids = [...shapesMap(b.doc).keys()].sort()
  b.close()
  await again.quiet()
  return ids
}

/** Event-loop turns until `done` holds (at most 100). */
async function until(server: MemoryServer, done: () => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (done()) return
    await server.turn()
  }
  throw new Error('condition not reached in 100 turns')
}
