/**
 * Hand-made Yjs updates, for tests of what a hostile or broken client can send: structs Yjs itself
 * never produces (forward references, repeated clients, keyless map entries), edited decoded
 * updates, and updates with their delete set stripped.
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

type Decoded = ReturnType<typeof Y.decodeUpdate>
type Struct = Decoded['structs'][number]
type Run = { client: number; structs: Struct[] }

/**
 * Writes runs of structs as a V1 update. Each run is written from its first struct's clock (clocks
 * inside a run are implicit), so editing the `id` of a run's first struct moves the whole run.
 */
function encodeRuns(runs: Run[], ds: Decoded['ds']): Uint8Array {
  const enc = new Y.UpdateEncoderV1()
  encoding.writeVarUint(enc.restEncoder, runs.length)
  for (const { client, structs } of runs) {
    encoding.writeVarUint(enc.restEncoder, structs.length)
    enc.writeClient(client)
    encoding.writeVarUint(enc.restEncoder, structs[0]!.id.clock)
    for (const s of structs) s.write(enc, 0)
  }
  encoding.writeVarUint(enc.restEncoder, ds.clients.size)
  for (const [client, ranges] of ds.clients) {
    enc.resetDsCurVal()
    encoding.writeVarUint(enc.restEncoder, client)
    encoding.writeVarUint(enc.restEncoder, ranges.length)
    for (const r of ranges) {
      enc.writeDsClock(r.clock)
      enc.writeDsLen(r.len)
    }
  }
  return enc.toUint8Array()
}

/** Re-encodes a decoded (and possibly edited) update, one run per client in order of appearance. */
export function encodeDecodedUpdate({ structs, ds }: Decoded): Uint8Array {
  const runs = new Map<number, Run>()
  for (const s of structs) {
    const run = runs.get(s.id.client)
    if (run) run.structs.push(s)
    else runs.set(s.id.client, { client: s.id.client, structs: [s] })
  }
  return encodeRuns([...runs.values()], ds)
}

const NO_DELETES = { clients: new Map() } as unknown as Decoded['ds']

/** The same structs with an empty delete set (what a hostile client can send). */
export function withoutDeletes(update: Uint8Array): Uint8Array {
  return encodeDecodedUpdate({ structs: Y.decodeUpdate(update).structs, ds: NO_DELETES })
}

export type ItemSpec = {
  client: number
  clock: number
  origin?: Y.ID | null
  rightOrigin?: Y.ID | null
  parent: string | Y.ID | null
  parentSub?: string | null
  content: ConstructorParameters<typeof Y.Item>[7]
  /** Start a new run of the same client (a hand-made update can repeat a client; Yjs never does). */
  newRun?: boolean
}

/** A range of clocks an update deletes. */
export type DeleteSpec = { client: number; clock: number; len: number }

/** Encodes hand-made items as a V1 update, with the given deletions (none by default). */
export function encodeItems(specs: ItemSpec[], deletes: DeleteSpec[] = []): Uint8Array {
  const runs: Run[] = []
  for (const s of specs) {
    const parent = s.parent as unknown as Y.AbstractType<unknown>
    const item = new Y.Item(
      Y.createID(s.client, s.clock),
      null,
      s.origin ?? null,
      null,
      s.rightOrigin ?? null,
      parent,
      s.parentSub ?? null,
      s.content,
    )
    const last = runs.at(-1)
    if (last && last.client === s.client && !s.newRun) last.structs.push(item)
    else runs.push({ client: s.client, structs: [item] })
  }
  const ds = Y.createDeleteSet()
  for (const { client, clock, len } of deletes) {
    const ranges = ds.clients.get(client) ?? []
    ranges.push({ clock, len })
    ds.clients.set(client, ranges)
  }
  return encodeRuns(runs, ds)
}
