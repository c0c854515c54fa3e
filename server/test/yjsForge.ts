/**
 * Hand-made Yjs updates, for tests of what a hostile or broken client can send: structs Yjs itself
 * never produces (forward references, repeated clients, keyless map entries) and updates with
 * their delete set stripped.
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

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

/** Encodes hand-made structs as a v1 update with an empty delete set. */
export function encodeItems(specs: ItemSpec[]): Uint8Array {
  const runs: { client: number; items: ItemSpec[] }[] = []
  for (const spec of specs) {
    const last = runs.at(-1)
    if (last && last.client === spec.client && !spec.newRun) last.items.push(spec)
    else runs.push({ client: spec.client, items: [spec] })
  }
  const encoder = new Y.UpdateEncoderV1()
  encoding.writeVarUint(encoder.restEncoder, runs.length)
  for (const run of runs) {
    encoding.writeVarUint(encoder.restEncoder, run.items.length)
    encoder.writeClient(run.client)
    encoding.writeVarUint(encoder.restEncoder, run.items[0]!.clock)
    for (const s of run.items) {
      const id = Y.createID(s.client, s.clock)
      const parent = s.parent as unknown as Y.AbstractType<unknown>
      new Y.Item(
        id,
        null,
        s.origin ?? null,
        null,
        s.rightOrigin ?? null,
        parent,
        s.parentSub ?? null,
        s.content,
      ).write(encoder, 0)
    }
  }
  encoding.writeVarUint(encoder.restEncoder, 0)
  return encoder.toUint8Array()
}

/** The same structs with an empty delete set (what a hostile client can send). */
export function withoutDeletes(update: Uint8Array): Uint8Array {
  const encoder = new Y.UpdateEncoderV1()
  const byClient = new Map<number, (Y.Item | Y.GC)[]>()
  for (const s of Y.decodeUpdate(update).structs) {
    const list = byClient.get(s.id.client) ?? []
    list.push(s as Y.Item | Y.GC)
    byClient.set(s.id.client, list)
  }
  encoding.writeVarUint(encoder.restEncoder, byClient.size)
  for (const [client, structs] of byClient) {
    encoding.writeVarUint(encoder.restEncoder, structs.length)
    encoder.writeClient(client)
    encoding.writeVarUint(encoder.restEncoder, structs[0]!.id.clock)
    for (const s of structs) s.write(encoder, 0)
  }
  encoding.writeVarUint(encoder.restEncoder, 0)
  return encoder.toUint8Array()
}
