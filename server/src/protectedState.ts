import * as Y from 'yjs'

type StructLike = { id: Y.ID; length: number }
type DecodedItem = Y.Item & { parent: Y.ID | string | null }

/** Which parts of a room's document a client's plain Yjs update may not change. */
export type ProtectionRules = {
  /** Roots only the server writes: no insertion or deletion anywhere below them. */
  protectedRoots: ReadonlySet<string>
  /**
   * Roots whose direct entries may be added but never removed or replaced (what lies inside an
   * entry stays editable): shapes are created by anyone, deleted only through a versioned commit.
   */
  appendOnlyRoots: ReadonlySet<string>
}

/**
 * Decides whether a client's Yjs update would change state that only the server may write
 * (the `versioned` root), or remove an entry of an append-only root, without applying it.
 *
 * An update can change a subtree in two ways only: by inserting items whose parent lies in it, or
 * by deleting items that lie in it. Inserted items name their parent either directly (a root key,
 * or the id of the item holding a nested type) or implicitly through their left/right origin, so
 * each is resolved through the update itself and then through the document's struct store.
 *
 * Returns a human-readable reason, or null when the update only touches unprotected state.
 * Throws if the update does not decode (the caller treats that as a malformed frame).
 */
export function findProtectedWrite(doc: Y.Doc, update: Uint8Array, rules: ProtectionRules): string | null {
  const { protectedRoots, appendOnlyRoots } = rules
  const { structs, ds } = Y.decodeUpdate(update)
  const own = new Map<number, StructLike[]>()
  for (const s of structs) {
    const known = s.id.clock + s.length <= Y.getState(doc.store, s.id.client)
    if (s.id.client === doc.clientID && !known) return 'update uses the server’s client id'
    const list = own.get(s.id.client)
    if (list) list.push(s as StructLike)
    else own.set(s.id.client, [s as StructLike])
  }

  const findInUpdate = (id: Y.ID): StructLike | undefined =>
    own.get(id.client)?.find((s) => s.id.clock <= id.clock && id.clock < s.id.clock + s.length)

  const rootCache = new Map<StructLike, string | null | undefined>()
  /**
   * Root key of the type an item lives in; null if the item is garbage-collected (anything
   * attached to it is discarded by Yjs), undefined if it cannot be resolved.
   */
  const rootOfId = (id: Y.ID, depth: number): string | null | undefined => {
    if (depth > 10_000) return undefined
    const local = findInUpdate(id)
    if (local) return rootOfDecoded(local, depth + 1)
    const item = storeFind(doc, id)
    if (item === undefined) return undefined
    if (!(item instanceof Y.Item)) return null
    return rootOfType(item.parent as Y.AbstractType<unknown>, depth + 1)
  }
  const rootOfType = (type: Y.AbstractType<unknown> | null, depth: number): string | null | undefined => {
    if (!type) return null
    if (type._item === null) return Y.findRootTypeKey(type)
    return rootOfId(type._item.id, depth + 1)
  }
  const rootOfDecoded = (s: StructLike, depth: number): string | null | undefined => {
    if (!(s instanceof Y.Item)) return null // GC or Skip: carries no content
    if (rootCache.has(s)) return rootCache.get(s)
    const item = s as DecodedItem
    let root: string | null | undefined
    if (typeof item.parent === 'string') root = item.parent
    else if (item.parent !== null) root = rootOfId(item.parent, depth + 1)
    else if (item.origin) root = rootOfId(item.origin, depth + 1)
    else if (item.rightOrigin) root = rootOfId(item.rightOrigin, depth + 1)
    rootCache.set(s, root)
    return root
  }

  for (const s of structs) {
    // Structs the document already holds are ignored by Yjs on integration, so they change nothing.
    if (s.id.clock + s.length <= Y.getState(doc.store, s.id.client)) continue
    const root = rootOfDecoded(s, 0)
    if (root === undefined) return `item ${s.id.client}:${s.id.clock} has an unknown parent`
    if (root !== null && protectedRoots.has(root)) return `update writes to protected root "${root}"`
  }

  for (const [client, ranges] of ds.clients) {
    for (const { clock, len } of ranges) {
      for (const item of storeRange(doc, client, clock, len)) {
        if (!(item instanceof Y.Item)) continue
        const parent = item.parent as Y.AbstractType<unknown>
        const root = rootOfType(parent, 0)
        if (root && protectedRoots.has(root)) return `update deletes from protected root "${root}"`
        if (root && parent._item === null && appendOnlyRoots.has(root)) {
          return `update removes an entry of "${root}" (deleting needs a versioned commit)`
        }
      }
    }
  }
  return null
}

type StoreStruct = Y.Item | Y.GC
function clientStructs(doc: Y.Doc, client: number): StoreStruct[] | undefined {
  return (doc.store.clients as Map<number, StoreStruct[]>).get(client)
}

/** Binary search in a client's struct list; undefined when the clock is not in the store. */
function storeIndex(structs: StoreStruct[], clock: number): number {
  let lo = 0
  let hi = structs.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const s = structs[mid]!
    if (clock < s.id.clock) hi = mid - 1
    else if (clock >= s.id.clock + s.length) lo = mid + 1
    else return mid
  }
  return -1
}

function storeFind(doc: Y.Doc, id: Y.ID): StoreStruct | undefined {
  const structs = clientStructs(doc, id.client)
  if (!structs) return undefined
  const i = storeIndex(structs, id.clock)
  return i < 0 ? undefined : structs[i]
}

function* storeRange(doc: Y.Doc, client: number, clock: number, len: number): Generator<StoreStruct> {
  const structs = clientStructs(doc, client)
  if (!structs) return
  let i = storeIndex(structs, clock)
  if (i < 0) return
  for (; i < structs.length && structs[i]!.id.clock < clock + len; i++) yield structs[i]!
}
