import fs from 'node:fs'
import { Worker } from 'node:worker_threads'
import type { Compacted } from './compactRows.ts'

/** What a {@link CompactionThread} is started with. */
export type CompactionWorkerData = {
  file: string
  synchronous: 'NORMAL' | 'FULL'
  /** Fault injection for the durability tests: the thread exits inside its write transaction. */
  exitBeforeCommit?: boolean
}
/** A WAL checkpoint's outcome (SQLite's `wal_checkpoint`): frames in the log, and copied back. */
export type Checkpointed = { busy: number; log: number; checkpointed: number }
export type CompactRequest =
  | { id: number; kind: 'compact'; room: string; upto: number }
  | { id: number; kind: 'checkpoint' }
export type CompactReply =
  | ({ id: number } & Compacted)
  | { id: number; checkpoint: Checkpointed }
  | { id: number; error: string }

/**
 * Where the thread's module is. In the production build (build.mjs) it is `compactWorker.js` beside
 * this bundle, plain JavaScript. From source, the server runs its TypeScript through tsx, which a
 * worker does not inherit under every runner (Vitest): the worker registers tsx before it loads its
 * module (and so boots far slower).
 */
function workerSource(): { source: string | URL; eval: boolean } {
  const compiled = new URL('./compactWorker.js', import.meta.url)
  if (fs.existsSync(compiled)) return { source: compiled, eval: false }
  const source = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => tsx.register())
  .then(() => import(${JSON.stringify(new URL('./compactWorker.ts', import.meta.url).href)}))`
  return { source, eval: true }
}

type Call = { resolve(reply: CompactReply): void; reject(e: Error): void }
type Request = { kind: 'compact'; room: string; upto: number } | { kind: 'checkpoint' }

/**
 * A worker thread that compacts rooms of one SQLite file and checkpoints its write-ahead log, one
 * request at a time, started on the first request. If it dies, every request in flight fails
 * (nothing was committed for them) and the next request starts a new one.
 */
export class CompactionThread {
  private worker: Worker | null = null
  private nextId = 1
  private readonly pending = new Map<number, Call>()

  constructor(private readonly data: CompactionWorkerData) {}

  async compact(room: string, upto: number): Promise<Compacted> {
    const reply = await this.call({ kind: 'compact', room, upto })
    if (!('snapshot' in reply)) throw new Error('compaction thread: unexpected reply')
    return { snapshot: reply.snapshot, dropped: reply.dropped }
  }

  /** Copies the write-ahead log back into the database file (`PASSIVE`: writers never wait). */
  async checkpoint(): Promise<Checkpointed> {
    const reply = await this.call({ kind: 'checkpoint' })
    if (!('checkpoint' in reply)) throw new Error('compaction thread: unexpected reply')
    return reply.checkpoint
  }

  private call(request: Request): Promise<CompactReply> {
    const worker = this.worker ?? this.start()
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      worker.postMessage({ id, ...request } satisfies CompactRequest)
      // Only work in flight keeps the process alive.
      worker.ref()
    })
  }

  private start(): Worker {
    const { source, eval: evaluate } = workerSource()
    const worker = new Worker(source, { eval: evaluate, workerData: this.data })
    worker.unref()
    worker.on('message', (reply: CompactReply) => {
      const call = this.pending.get(reply.id)
      if (!call) return
      this.pending.delete(reply.id)
      if (this.pending.size === 0) worker.unref()
      if ('error' in reply) call.reject(new Error(`compaction thread failed: ${reply.error}`))
      else call.resolve(reply)
    })
    const fail = (err: Error) => {
      if (this.worker !== worker) return
      this.worker = null
      for (const call of this.pending.values()) call.reject(err)
      this.pending.clear()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`the compaction thread exited (code ${code})`)))
    this.worker = worker
    return worker
  }

  /** Stops the thread; requests in flight fail. */
  async close(): Promise<void> {
    const worker = this.worker
    if (!worker) return
    await worker.terminate()
  }
}
