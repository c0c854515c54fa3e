import * as Y from 'yjs'

/**
 * One update with the same content as `updates` applied in order: what a compaction stores as the
 * snapshot. They are applied into a document rather than merged with `Y.mergeUpdates` because only
 * a document collects garbage: a board whose shapes are overwritten again and again (a dragged pen
 * stroke) folds into its current state instead of carrying every value it ever had. Structs whose
 * dependencies never arrived (written by an older server) are dropped, as the room drops them on
 * load, so they are not handed to every joiner.
 */
export function foldUpdates(updates: Iterable<Uint8Array>): Uint8Array {
  const doc = new Y.Doc({ gc: true })
  try {
    doc.transact(() => {
      for (const update of updates) Y.applyUpdate(doc, update)
    })
    doc.store.pendingStructs = null
    doc.store.pendingDs = null
    return Y.encodeStateAsUpdate(doc)
  } finally {
    doc.destroy()
  }
}
