import { readShapes, SHAPE_KINDS, shapesMap, versionedMap } from '@easel/shared'
import fc from 'fast-check'
import { expect, it } from 'vitest'
import * as Y from 'yjs'
import { FakeRoom, type FakePeer } from '../testing/FakeRoom.ts'
import { Editor } from './Editor.ts'

/**
 * Seeded convergence fuzz: N editors, each on its own Y.Doc, reach one FakeRoom (the commit
 * authority) through links that delay, reorder, duplicate and drop updates while partitioned. After
 * healing and flushing, every doc must be identical and valid, and no created shape may be missing.
 *
 * `EASEL_FUZZ_SEED=<n>` replays one seed (printed on every run and in a failure's report, with the
 * shrunk operation list); `EASEL_FUZZ_RUNS=<n>` runs more cases per seed; `EASEL_FUZZ_PATH=<path>`
 * with the seed replays just the shrunk case of a report.
 */

const EDITORS = 4
const SEEDS = process.env.EASEL_FUZZ_SEED ? [Number(process.env.EASEL_FUZZ_SEED)] : [1, 2, 3]
const RUNS = Number(process.env.EASEL_FUZZ_RUNS ?? 40)

type Dir = 'up' | 'down'
type Op =
  | { t: 'create'; by: number; kind: 'rect' | 'ellipse' | 'sticky' | 'text'; x: number; y: number }
  | { t: 'move' | 'resize'; by: number; shape: number; dx: number; dy: number }
  | { t: 'style'; by: number; shape: number; stroke: string }
  | { t: 'delete' | 'duplicate' | 'front' | 'back' | 'ungroup'; by: number; shape: number }
  | { t: 'group'; by: number; shape: number; other: number }
  | { t: 'undo' | 'redo'; by: number }
  | { t: 'deliver' | 'duplicateMessage'; peer: number; dir: Dir; pick: number }
  | { t: 'partition' | 'heal'; peer: number }
  | { t: 'authority' }

const by = fc.nat(EDITORS - 1)
const shape = fc.nat(40)
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constant('create' as const),
    by,
    kind: fc.constantFrom('rect' as const, 'ellipse' as const, 'sticky' as const, 'text' as const),
    x: fc.integer({ min: -500, max: 500 }),
    y: fc.integer({ min: -500, max: 500 }),
  }),
  fc.record({
    t: fc.constantFrom('move' as const, 'resize' as const),
    by,
    shape,
    dx: fc.integer({ min: -50, max: 50 }),
    dy: fc.integer({ min: -50, max: 50 }),
  }),
  fc.record({ t: fc.constant('style' as const), by, shape, stroke: fc.constantFrom('#e03131', '#2f9e44') }),
  fc.record({
    t: fc.constantFrom('delete' as const, 'duplicate' as const, 'front' as const, 'back' as const),
    by,
    shape,
  }),
  fc.record({ t: fc.constantFrom('group' as const, 'ungroup' as const), by, shape, other: shape }),
  fc.record({ t: fc.constantFrom('undo' as const, 'redo' as const), by }),
  {
    arbitrary: fc.record({
      t: fc.constantFrom('deliver' as const, 'duplicateMessage' as const),
      peer: by,
      dir: fc.constantFrom('up' as const, 'down' as const),
      pick: fc.nat(20),
    }),
    weight: 4,
  },
  fc.record({ t: fc.constantFrom('partition' as const, 'heal' as const), peer: by }),
  { arbitrary: fc.record({ t: fc.constant('authority' as const) }), weight: 2 },
)

/** One editor's connection to the room: updates in flight each way, lost while it is down. */
class Link {
  readonly up: Uint8Array[] = []
  readonly down: Uint8Array[] = []
  connected = true

  constructor(
    readonly doc: Y.Doc,
    readonly peer: FakePeer,
  ) {
    doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin !== this && this.connected) this.up.push(u)
    })
    peer.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin !== this && this.connected) this.down.push(u)
    })
  }

  deliver(dir: Dir, index: number): void {
    const queue = this[dir]
    if (queue.length === 0) return
    const [u] = queue.splice(index % queue.length, 1)
    Y.applyUpdate(dir === 'up' ? this.peer.doc : this.doc, u!, this)
  }

  /** Everything sent so far arrives, in order (one socket is FIFO; the authority reads it after the doc updates). */
  flushUp(): void {
    while (this.up.length) this.deliver('up', 0)
  }

  /**
   * Cuts the link: updates in flight are lost, except those sent before a commit that is already
   * on its way to the authority (the socket delivered them before the commit).
   */
  partition(): void {
    if (this.peer.commits.pending().length > 0) this.flushUp()
    this.connected = false
    this.up.length = 0
    this.down.length = 0
    this.peer.online = false
  }

  /** Reconnects: each side sends what the other's state vector lacks, and held commits go out. */
  heal(): void {
    if (this.connected) return
    this.connected = true
    this.up.push(Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(this.peer.doc)))
    this.down.push(Y.encodeStateAsUpdate(this.peer.doc, Y.encodeStateVector(this.doc)))
    this.peer.online = true
    this.peer.resume()
  }
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0))

async function run(ops: Op[]): Promise<void> {
  const room = new FakeRoom()
  room.server.clientID = 1000
  const created: string[] = []
  const users = Array.from({ length: EDITORS }, (_, i) => {
    const peer = room.join(`U${i}`)
    const doc = new Y.Doc()
    doc.clientID = i + 1
    const link = new Link(doc, peer)
    const editor = new Editor(doc, {
      user: { id: `U${i}`, name: `U${i}`, color: '#e03131' },
      commits: peer.commits,
      scheduleFrame: (cb) => cb(),
      liveWriteIntervalMs: 0,
    })
    return { peer, doc, link, editor }
  })
  try {
    for (const op of ops) await apply(op)
    for (const u of users) u.link.heal()
    for (let quiet = 0, round = 0; quiet < 2; round++) {
      if (round > 200) throw new Error('did not settle')
      const busy = users.some(
        (u) => u.link.up.length || u.link.down.length || u.peer.commits.pending().length,
      )
      quiet = busy ? 0 : quiet + 1
      for (const u of users) u.link.flushUp()
      for (const u of users) while (u.link.down.length) u.link.deliver('down', 0)
      room.deliver()
      await tick()
    }
    await check()
  } finally {
    for (const u of users) u.editor.destroy()
  }

  async function apply(op: Op): Promise<void> {
    if (op.t === 'authority') {
      for (const u of users) u.link.flushUp()
      room.deliver()
      return tick()
    }
    if ('peer' in op) {
      const link = users[op.peer]!.link
      if (op.t === 'deliver') link.deliver(op.dir, op.pick)
      else if (op.t === 'duplicateMessage') {
        const queue = link[op.dir]
        if (queue.length) queue.push(queue[op.pick % queue.length]!)
      } else link[op.t]()
      return
    }
    const { editor } = users[op.by]!
    // Shapes are picked by creation order (ids are random, so not by id or z).
    const visible = created.filter((id) => editor.getShape(id))
    const target = 'shape' in op ? visible[op.shape % Math.max(1, visible.length)] : undefined
    const s = target ? editor.getShape(target)! : undefined
    switch (op.t) {
      case 'create': {
        const id = editor.createShape(op.kind, { x: op.x, y: op.y, w: 80, h: 60 })
        editor.finishCreating(id)
        created.push(id)
        break
      }
      case 'move':
        if (s) editor.updateShapes([{ id: s.id, props: { x: s.x + op.dx, y: s.y + op.dy } }])
        break
      case 'resize':
        if (s) editor.updateShapes([{ id: s.id, props: { w: s.w + op.dx + 60, h: s.h + op.dy + 60 } }])
        break
      case 'style':
        if (s) {
          editor.select([s.id])
          editor.setStyle({ stroke: op.stroke })
        }
        break
      case 'delete':
        if (s) editor.deleteShapes([s.id])
        break
      case 'duplicate':
      case 'front':
      case 'back':
      case 'ungroup':
        if (!s) break
        editor.select([s.id])
        if (op.t === 'duplicate') {
          editor.duplicateSelected()
          created.push(...editor.selectedIds)
        } else if (op.t === 'front') editor.bringToFront()
        else if (op.t === 'back') editor.sendToBack()
        else editor.ungroupSelected()
        break
      case 'group': {
        const other = visible[op.other % Math.max(1, visible.length)]
        if (!s || !other) break
        editor.select([s.id, other])
        editor.groupSelected()
        break
      }
      case 'undo':
        editor.undo()
        break
      case 'redo':
        editor.redo()
        break
    }
    // Each operation is its own undo step, whatever the clock says.
    editor.undoManager.stopCapturing()
  }

  async function check(): Promise<void> {
    const docs = [room.server, ...users.map((u) => u.doc)]
    const vectors = docs.map((d) => Y.decodeStateVector(Y.encodeStateVector(d)))
    for (const v of vectors) expect(v).toEqual(vectors[0])
    const reads = docs.map((d) => readShapes(d))
    for (const r of reads) {
      expect(r.invalid).toEqual([])
      expect(r.shapes).toEqual(reads[0]!.shapes)
      for (const x of r.shapes) expect(SHAPE_KINDS).toContain(x.kind)
    }
    // Deletes are versioned (the entry stays), so every shape ever created is still in the doc.
    const ids = new Set(shapesMap(room.server).keys())
    expect(created.filter((id) => !ids.has(id))).toEqual([])
    // The doc's versioned entries are the authority's, and each editor shows what its doc holds.
    expect(Object.fromEntries(versionedMap(room.server).entries())).toEqual(
      Object.fromEntries(await room.fields()),
    )
    const live = reads[0]!.shapes.filter((x) => !x.deleted)
    for (const u of users) {
      expect(u.editor.getShapes().map((x) => x.id)).toEqual(live.map((x) => x.id))
      expect(u.editor.notices.filter((n) => n.kind === 'error')).toEqual([])
    }
  }
}

for (const seed of SEEDS) {
  it(`${EDITORS} editors converge through a lossy, reordering relay (seed ${seed})`, async () => {
    console.log(`convergence fuzz: seed ${seed}, ${RUNS} runs (EASEL_FUZZ_SEED=${seed} replays it)`)
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 80 }), (ops) => run(ops)),
      { seed, numRuns: RUNS, path: process.env.EASEL_FUZZ_PATH },
    )
  })
}
