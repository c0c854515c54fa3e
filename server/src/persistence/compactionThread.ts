import { Worker } from 'node:worker_threads'
import type { Compacted } from './compactRows.ts'

/** What a {@link CompactionThread} is started with. */
export type CompactionWorkerData = {
  file: string
  synchronous: 'NORMAL' | 'FULL'
  /** Fault injection for the durability tests: the thread exits inside its write transaction. */
  exitBeforeCommit?: boolean
}
export type CompactRequest = { id: number; room: string; upto: number }
export type CompactReply = ({ id: number } & Compacted) | { id: number; error: string }

// The server runs its TypeScript through tsx, which a worker does not inherit under every runner
// (Vitest): the worker registers it before it loads its module.
const BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => tsx.register())
  .then(() => import(${JSON.stringify(new URL('./compactWorker.ts', import.meta.url).href)}))`

/**
 * A worker thread that compacts rooms of one SQLite file, one request at a time, started on the
 * first request. If it dies, every request in flight fails (nothing was committed for them) and
 * the next request starts a new one.
 */
export class CompactionThread {
  private worker: Worker | null = null
  private nextId = 1
  private readonly pending = new Map<number, { resolve(c: Compacted): void; reject(e: Error): void }>()

  constructor(private readonly data: CompactionWorkerData) {}

  compact(room: string, upto: number): Promise<Compacted> {
    const worker = this.worker ?? this.start()
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      worker.postMessage({ id, room, upto } satisfies CompactRequest)
      // Only work in flight keeps the process alive.
      worker.ref()
    })
  }

  private start(): Worker {
    const worker = new Worker(BOOT, { eval: true, workerData: this.data })
    worker.unref()
    worker.on('message', (reply: CompactReply) => {
      const call = this.pending.get(reply.id)
      if (!call) return
      this.pending.delete(reply.id)
      if (this.pending.size === 0) worker.unref()
      if ('error' in reply) call.reject(new Error(`compaction failed: ${reply.error}`))
      else call.resolve({ snapshot: reply.snapshot, dropped: reply.dropped })
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
