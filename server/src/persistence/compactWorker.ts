/**
 * The compaction thread of a {@link SqlitePersistence}: its own connection to the same database
 * file, folding one room at a time (compactRows.ts) and checkpointing the write-ahead log, so
 * neither the decode and encode of a whole board nor the copy of the log into the database file
 * (with its fsync) runs on the server's event loop. Spoken to by compactionThread.ts.
 */
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { compactRows } from './compactRows.ts'
import type { Checkpointed, CompactionWorkerData, CompactReply, CompactRequest } from './compactionThread.ts'

const config = workerData as CompactionWorkerData
const port = parentPort!
const db = new Database(config.file)
db.pragma(`synchronous = ${config.synchronous}`)
// Simulates a crash in the middle of a compaction: the thread ends with its transaction open.
const hooks = config.exitBeforeCommit ? { beforeCommit: () => process.exit(1) } : {}

port.on('message', (req: CompactRequest) => {
  let reply: CompactReply
  try {
    if (req.kind === 'checkpoint') {
      const [result] = db.pragma('wal_checkpoint(PASSIVE)') as Checkpointed[]
      reply = { id: req.id, checkpoint: result! }
    } else {
      reply = { id: req.id, ...compactRows(db, req.room, req.upto, hooks) }
    }
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? err.message : String(err) }
  }
  const bytes = 'snapshot' in reply ? reply.snapshot : null
  // The snapshot is handed over, not copied, when it owns its whole buffer.
  const transfer = bytes && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
  port.postMessage(reply, transfer ? [bytes.buffer as ArrayBuffer] : [])
})
