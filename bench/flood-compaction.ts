/**
 * Main-thread time per compaction of a large board (the flood benchmark's room B, and one six
 * times larger), while updates keep being appended as in the flood: the room's old compaction
 * (encode the in-memory document, write it, on the event loop) against SqlitePersistence's
 * (fold snapshot + log in the compaction thread). Prints, per compaction: the longest event-loop
 * stall seen by a 1 ms ticker, the time spent in the call before it yielded, and the wall time
 * until the snapshot was written, and the snapshot size.
 *
 *   flock /tmp/bench.lock pnpm exec tsx bench/flood-compaction.ts [MiB ...]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import * as Y from 'yjs'
import { insertShape, shapesMap } from '@easel/shared'
import { RECT } from '@easel/testkit/protocolClient.ts'
import { SqlitePersistence } from '@easel/server'
import { FLOOD_POINTS } from './floodBudget.ts'

const REPEATS = 4
/** Updates per compaction (the server's default `compactAfter`). */
const LOG = 500

function board(bytes: number): Y.Doc {
  const doc = new Y.Doc({ gc: true })
  doc.transact(() => {
    for (let i = 0; Y.encodeStateAsUpdate(doc).byteLength < bytes; i++) {
      const points = Array.from({ length: 30_000 }, (_, j) => (j * 7.31 + i) % 5000)
      insertShape(doc, `big${i}`, { ...RECT, kind: 'pen', points, x: i })
    }
  })
  return doc
}

/** The flood's updater: one shape's points replaced again and again. */
function floodUpdates(doc: Y.Doc, n: number): Uint8Array[] {
  const out: Uint8Array[] = []
  const take = (u: Uint8Array) => out.push(u)
  doc.on('update', take)
  if (!shapesMap(doc).has('flood')) insertShape(doc, 'flood', RECT)
  const shape = shapesMap(doc).get('flood')!
  for (let m = out.length; out.length < n; m++) {
    shape.set(
      'points',
      Array.from({ length: FLOOD_POINTS }, (_, i) => (m % 1000) + i * 0.37),
    )
  }
  doc.off('update', take)
  return out
}

/** Longest gap between 1 ms ticks while `work` runs, with an update appended every 2.5 ms. */
async function measure(work: () => Promise<unknown>, append: () => void) {
  let last = performance.now()
  let worst = 0
  const ticker = setInterval(() => {
    const now = performance.now()
    worst = Math.max(worst, now - last)
    last = now
  }, 1)
  const appender = setInterval(append, 2.5)
  await new Promise((r) => setTimeout(r, 20))
  worst = 0
  last = performance.now()
  const t0 = performance.now()
  let sync = 0
  const p = work()
  sync = performance.now() - t0
  await p
  const wall = performance.now() - t0
  worst = Math.max(worst, performance.now() - last)
  clearInterval(ticker)
  clearInterval(appender)
  return { worst, sync, wall }
}

const fmt = (xs: number[]) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`

for (const mib of process.argv
  .slice(2)
  .map(Number)
  .concat(process.argv.length > 2 ? [] : [3, 18])) {
  const doc = board(mib * 2 ** 20)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'easel-compaction-'))
  const p = new SqlitePersistence(path.join(dir, 'easel.sqlite'))
  const rows: Record<string, { worst: number[]; sync: number[]; wall: number[]; bytes: number }> = {}
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const how of ['before: encode on the event loop', 'after: compaction thread'] as const) {
      const room = `r${rep}-${how.slice(0, 5)}`
      // Each room's log starts from the document as it is now: every update's dependencies are in.
      const snapshot = Y.encodeStateAsUpdate(doc)
      await p.append(room, snapshot)
      for (const u of floodUpdates(doc, LOG)) await p.append(room, u)
      const more = floodUpdates(doc, 400)
      const append = () => {
        const u = more.shift()
        if (u) void p.append(room, u)
      }
      let bytes = 0
      const work =
        how === 'after: compaction thread'
          ? async () => {
              bytes = (await p.compact(room))!.byteLength
            }
          : async () => {
              // What Room.storeSnapshot did before: encode the document it holds, write it.
              const state = Y.encodeStateAsUpdate(doc)
              p.db.transaction(() => {
                const upto = p.db
                  .prepare<[string], { s: number }>('SELECT MAX(seq) AS s FROM room_update WHERE room = ?')
                  .get(room)!.s
                p.db
                  .prepare('INSERT OR REPLACE INTO room_snapshot (room, data, upto) VALUES (?, ?, ?)')
                  .run(room, state, upto)
                p.db.prepare('DELETE FROM room_update WHERE room = ? AND seq <= ?').run(room, upto)
              })()
              bytes = state.byteLength
            }
      const m = await measure(work, append)
      // The first thread compaction also starts the thread: reported, but not in the ranges.
      if (rep === 0 && how.startsWith('after')) {
        console.log(
          `${mib} MiB, first thread compaction (starts the thread): stall ${m.worst.toFixed(1)} ms, wall ${m.wall.toFixed(0)} ms`,
        )
        continue
      }
      rows[how] ??= { worst: [], sync: [], wall: [], bytes }
      const r = rows[how]
      r.worst.push(m.worst)
      r.sync.push(m.sync)
      r.wall.push(m.wall)
      r.bytes = bytes
    }
  }
  console.log(`\n${mib} MiB board + ${LOG} flood updates, appends every 2.5 ms meanwhile:`)
  console.log(
    '| compaction | longest event-loop stall ms | in the call ms | until written ms | snapshot MiB |',
  )
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const [how, r] of Object.entries(rows)) {
    console.log(
      `| ${how} | ${fmt(r.worst)} | ${fmt(r.sync)} | ${fmt(r.wall)} | ${(r.bytes / 2 ** 20).toFixed(2)} |`,
    )
  }
  await p.close()
  fs.rmSync(dir, { recursive: true, force: true })
}
