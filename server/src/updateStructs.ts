import * as decoding from 'lib0/decoding'
import { utf8TextDecoder } from 'lib0/string'

/**
 * A Yjs (v1) update read into a table of numbers, without building Yjs's Items, IDs, content
 * objects or the Y.Map of every nested type: what the server's inspection of a client's update
 * needs, at a fraction of `Y.decodeUpdate`'s cost and garbage (see bench/results/bigdoc.md).
 *
 * The reading mirrors yjs 13.6 exactly (`lazyStructReaderGenerator`, `readItemContent`,
 * `readDeleteSet`, through the same lib0 decoding functions), so it accepts and rejects the same
 * bytes and yields the same structs: `updateStructs.test.ts` checks that against `Y.decodeUpdate`
 * on generated documents and on corrupted bytes.
 */

/** Content refs of the update format (yjs `contentRefs`); GC and Skip are structs without content. */
export const Ref = {
  GC: 0,
  Deleted: 1,
  JSON: 2,
  Binary: 3,
  String: 4,
  Embed: 5,
  Format: 6,
  Type: 7,
  Any: 8,
  Doc: 9,
  Skip: 10,
} as const

/** Type refs of `ContentType` (yjs `typeRefs`). */
export const TypeRef = {
  Array: 0,
  Map: 1,
  Text: 2,
  XmlElement: 3,
  XmlFragment: 4,
  XmlHook: 5,
  XmlText: 6,
} as const
const TYPE_REFS = 7

/** Fields of one struct in {@link UpdateStructs}' table. */
const CLIENT = 0
const CLOCK = 1
const LENGTH = 2
const REF = 3
const TYPE_REF = 4
const ORIGIN_CLIENT = 5
const ORIGIN_CLOCK = 6
const RIGHT_CLIENT = 7
const RIGHT_CLOCK = 8
const PARENT_CLIENT = 9
const PARENT_CLOCK = 10
const VALUES_AT = 11
const FIELDS = 12

/** Most slots of the cache of short strings read (map keys repeat for every shape); a power of two. */
const STRING_SLOTS = 1024
/** Builds the string of ASCII bytes `start` to `end` of `bytes` (latin-1 is ASCII there), natively. */
const asciiSlice = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string

export type DeleteRange = { clock: number; len: number }

/**
 * The structs of an update, by index (client after client, each client's in clock order, as
 * encoded), in one numeric table instead of an object per struct: a 10 000-shape import holds
 * 134 000 structs, and as objects their garbage collection cost more than reading them. Absent
 * references read -1 (clients and clocks are never negative).
 */
export class UpdateStructs {
  count = 0
  private table: Float64Array
  /** Per struct: the parent as a root key (an item naming its parent, not an origin), else null. */
  private readonly parentKeys: (string | null)[] = []
  /** Per struct: the map key (an item naming its parent), else null. */
  private readonly parentSubs: (string | null)[] = []
  /** The delete set, per client, ranges in the order encoded. */
  readonly ds = new Map<number, DeleteRange[]>()
  /** The update's runs of structs, one per client as encoded: structs `start` to `end - 1`. */
  readonly blocks: { client: number; start: number; end: number }[] = []
  private rereader: Reader | null = null

  constructor(private readonly update: Uint8Array) {
    // A struct takes 27 bytes on average in a board's import: rarely grown, never much too large.
    this.table = new Float64Array(FIELDS * (64 + Math.ceil(update.byteLength / 24)))
  }

  client(i: number): number {
    return this.table[i * FIELDS + CLIENT]!
  }
  clock(i: number): number {
    return this.table[i * FIELDS + CLOCK]!
  }
  length(i: number): number {
    return this.table[i * FIELDS + LENGTH]!
  }
  /** The clock of the struct's last element. */
  lastClock(i: number): number {
    return this.clock(i) + this.length(i) - 1
  }
  /** {@link Ref}: 0 a GC, 10 a Skip, otherwise an item's content. */
  ref(i: number): number {
    return this.table[i * FIELDS + REF]!
  }
  /** An item (not a GC or a Skip). */
  isItem(i: number): boolean {
    const ref = this.ref(i)
    return ref !== Ref.GC && ref !== Ref.Skip
  }
  /** {@link TypeRef} of a `ContentType`, else -1. */
  typeRef(i: number): number {
    return this.table[i * FIELDS + TYPE_REF]!
  }
  originClient(i: number): number {
    return this.table[i * FIELDS + ORIGIN_CLIENT]!
  }
  originClock(i: number): number {
    return this.table[i * FIELDS + ORIGIN_CLOCK]!
  }
  rightClient(i: number): number {
    return this.table[i * FIELDS + RIGHT_CLIENT]!
  }
  rightClock(i: number): number {
    return this.table[i * FIELDS + RIGHT_CLOCK]!
  }
  hasOrigin(i: number): boolean {
    return this.originClient(i) >= 0
  }
  hasRightOrigin(i: number): boolean {
    return this.rightClient(i) >= 0
  }
  /** The parent as the id of the item holding it, else -1. */
  parentClient(i: number): number {
    return this.table[i * FIELDS + PARENT_CLIENT]!
  }
  parentClock(i: number): number {
    return this.table[i * FIELDS + PARENT_CLOCK]!
  }
  parentKey(i: number): string | null {
    return this.parentKeys[i]!
  }
  parentSub(i: number): string | null {
    return this.parentSubs[i]!
  }

  /** The values of a `ContentAny` item, read again from the update (they are not kept). */
  values(i: number): unknown[] {
    if (this.ref(i) !== Ref.Any) return []
    // One reader for every re-read: a decoder and a DataView per item were most of the garbage.
    this.rereader ??= new Reader(this.update, false)
    const reader = this.rereader
    reader.decoder.pos = this.table[i * FIELDS + VALUES_AT]!
    const values: unknown[] = []
    for (let n = this.length(i); n > 0; n--) values.push(reader.any(true))
    return values
  }

  /** Makes room for one more struct; returns the offset of its row, every field -1. */
  reserve(parentKey: string | null, parentSub: string | null): number {
    if ((this.count + 1) * FIELDS > this.table.length) {
      const grown = new Float64Array(this.table.length * 2)
      grown.set(this.table)
      this.table = grown
    }
    this.parentKeys.push(parentKey)
    this.parentSubs.push(parentSub)
    const at = this.count++ * FIELDS
    this.table.fill(-1, at, at + FIELDS)
    return at
  }

  /** The table (valid until the next `reserve`). */
  get rows(): Float64Array {
    return this.table
  }
}

/** Reads a v1 update; throws where `Y.decodeUpdate` throws. */
export function readUpdateStructs(update: Uint8Array): UpdateStructs {
  const reader = new Reader(update, true)
  const { decoder } = reader
  const read = new UpdateStructs(update)
  const clients = decoding.readVarUint(decoder)
  for (let c = 0; c < clients; c++) {
    const count = decoding.readVarUint(decoder)
    const client = decoding.readVarUint(decoder)
    let clock = decoding.readVarUint(decoder)
    const start = read.count
    for (let i = 0; i < count; i++) clock += reader.struct(read, client, clock)
    read.blocks.push({ client, start, end: read.count })
  }
  const dsClients = decoding.readVarUint(decoder)
  for (let c = 0; c < dsClients; c++) {
    const client = decoding.readVarUint(decoder)
    const deletes = decoding.readVarUint(decoder)
    if (deletes === 0) continue
    let ranges = read.ds.get(client)
    if (!ranges) {
      ranges = []
      read.ds.set(client, ranges)
    }
    for (let i = 0; i < deletes; i++) {
      const rangeClock = decoding.readVarUint(decoder)
      ranges.push({ clock: rangeClock, len: decoding.readVarUint(decoder) })
    }
  }
  return read
}

const BIT8 = 0x80
const BIT7 = 0x40
const BIT6 = 0x20
const BITS5 = 0x1f
/** Longest string read byte by byte when it is ASCII (map keys, colours, short text). */
const SHORT_STRING = 32

/** lib0's decoding of an update's parts, with less garbage (see `string` and `any`). */
class Reader {
  readonly decoder: decoding.Decoder
  private readonly floats: DataView
  /**
   * Short ASCII strings read, by a hash of their bytes, so that a key used 10 000 times is built
   * once and matched against its bytes from then on; null, when no string is kept for long.
   */
  private readonly recent: (string | undefined)[] | null
  /** Slots of `recent` less one: a power of two, about one per 32 bytes of update, up to STRING_SLOTS. */
  private readonly slotMask: number

  constructor(update: Uint8Array, cacheStrings: boolean) {
    this.decoder = decoding.createDecoder(update)
    this.floats = new DataView(update.buffer, update.byteOffset, update.byteLength)
    let slots = 16
    while (cacheStrings && slots < STRING_SLOTS && slots * 32 < update.byteLength) slots *= 2
    this.slotMask = slots - 1
    this.recent = cacheStrings ? new Array(slots) : null
  }

  /** Reads one struct of `client` at `clock` into a new row of `read`; returns its length. */
  struct(read: UpdateStructs, client: number, clock: number): number {
    const decoder = this.decoder
    // Past the end this is `undefined`, read as a GC whose length then fails to decode, as in Yjs.
    const info = decoding.readUint8(decoder)
    if (info === Ref.Skip || (info & BITS5) === 0) {
      const at = read.reserve(null, null)
      const rows = read.rows
      rows[at + CLIENT] = client
      rows[at + CLOCK] = clock
      rows[at + REF] = info === Ref.Skip ? Ref.Skip : Ref.GC
      const length = decoding.readVarUint(decoder)
      rows[at + LENGTH] = length
      return length
    }
    let originClient = -1
    let originClock = -1
    let rightClient = -1
    let rightClock = -1
    if ((info & BIT8) !== 0) {
      originClient = decoding.readVarUint(decoder)
      originClock = decoding.readVarUint(decoder)
    }
    if ((info & BIT7) !== 0) {
      rightClient = decoding.readVarUint(decoder)
      rightClock = decoding.readVarUint(decoder)
    }
    let parentKey: string | null = null
    let parentSub: string | null = null
    let parentClient = -1
    let parentClock = -1
    if ((info & (BIT7 | BIT8)) === 0) {
      if (decoding.readVarUint(decoder) === 1) parentKey = this.string(true)
      else {
        parentClient = decoding.readVarUint(decoder)
        parentClock = decoding.readVarUint(decoder)
      }
      if ((info & BIT6) !== 0) parentSub = this.string(true)
    }
    const ref = info & BITS5
    let length = 1
    let typeRef = -1
    let valuesAt = -1
    switch (ref) {
      case Ref.Deleted:
        length = decoding.readVarUint(decoder)
        break
      case Ref.JSON: {
        length = decoding.readVarUint(decoder)
        for (let i = 0; i < length; i++) {
          const json = this.string(true)
          if (json !== 'undefined') JSON.parse(json)
        }
        break
      }
      case Ref.Binary:
        decoding.readVarUint8Array(decoder)
        break
      case Ref.String:
        length = this.string(true).length
        break
      case Ref.Embed:
        JSON.parse(this.string(true))
        break
      case Ref.Format:
        this.string(true)
        JSON.parse(this.string(true))
        break
      case Ref.Type: {
        typeRef = decoding.readVarUint(decoder)
        if (typeRef >= TYPE_REFS) throw new Error(`unknown type ref ${typeRef}`)
        // An XML element's node name, a hook's name.
        if (typeRef === TypeRef.XmlElement || typeRef === TypeRef.XmlHook) this.string(false)
        break
      }
      case Ref.Any: {
        length = decoding.readVarUint(decoder)
        valuesAt = decoder.pos
        // Checked now, kept only as their position: `values` reads them again.
        for (let i = 0; i < length; i++) this.any(false)
        break
      }
      case Ref.Doc: {
        this.string(false)
        // Yjs reads the subdocument's options' `shouldLoad`: absent options fail to decode there.
        const options = this.any(true)
        if (options === null || options === undefined) throw new Error('subdocument without options')
        break
      }
      default:
        // 10 with flags set, or 11-31: yjs has no content reader for them either.
        throw new Error(`unknown content ref ${ref}`)
    }
    const at = read.reserve(parentKey, parentSub)
    const rows = read.rows
    rows[at + CLIENT] = client
    rows[at + CLOCK] = clock
    rows[at + LENGTH] = length
    rows[at + REF] = ref
    rows[at + TYPE_REF] = typeRef
    rows[at + ORIGIN_CLIENT] = originClient
    rows[at + ORIGIN_CLOCK] = originClock
    rows[at + RIGHT_CLIENT] = rightClient
    rows[at + RIGHT_CLOCK] = rightClock
    rows[at + PARENT_CLIENT] = parentClient
    rows[at + PARENT_CLOCK] = parentClock
    rows[at + VALUES_AT] = valuesAt
    return length
  }

  /**
   * lib0's `readVarString`; with `keep` false the string is only checked (its bytes must be UTF-8,
   * as lib0's fatal `TextDecoder` requires) and '' returned. Short ASCII strings are read without
   * a `TextDecoder` call.
   */
  string(keep: boolean): string {
    const decoder = this.decoder
    const len = decoding.readVarUint(decoder)
    const { arr, pos } = decoder
    const end = pos + len
    if (len <= SHORT_STRING && end <= arr.length) {
      let i = pos
      while (i < end && arr[i]! < 0x80) i++
      if (i === end) {
        decoder.pos = end
        if (!keep) return ''
        if (this.recent === null) return asciiSlice.call(arr, pos, end)
        // Hashed only when kept: a value's strings are checked and dropped.
        let hash = len
        for (let j = pos; j < end; j++) hash = (Math.imul(hash, 31) + arr[j]!) | 0
        const slot = hash & this.slotMask
        const cached = this.recent[slot]
        if (cached !== undefined && cached.length === len) {
          let j = 0
          while (j < len && cached.charCodeAt(j) === arr[pos + j]) j++
          if (j === len) return cached
        }
        const str = asciiSlice.call(arr, pos, end)
        this.recent[slot] = str
        return str
      }
    }
    const bytes = decoding.readUint8Array(decoder, len)
    if (utf8TextDecoder === null) throw new Error('no TextDecoder')
    return utf8TextDecoder.decode(bytes)
  }

  /** lib0's `readAny`; with `keep` false the value is only checked and undefined returned. */
  any(keep: boolean): unknown {
    const decoder = this.decoder
    const tag = decoding.readUint8(decoder)
    switch (tag) {
      case 127:
        return undefined
      case 126:
        return null
      case 125:
        return decoding.readVarInt(decoder)
      case 124:
        return this.floats.getFloat32(advance(decoder, 4), false)
      case 123:
        return this.floats.getFloat64(advance(decoder, 8), false)
      case 122:
        return decoding.readBigInt64(decoder)
      case 121:
        return false
      case 120:
        return true
      case 119:
        return this.string(keep)
      case 118: {
        const len = decoding.readVarUint(decoder)
        const obj: Record<string, unknown> = {}
        for (let i = 0; i < len; i++) {
          const key = this.string(keep)
          const value = this.any(keep)
          if (keep) obj[key] = value
        }
        return obj
      }
      case 117: {
        const len = decoding.readVarUint(decoder)
        const arr: unknown[] = []
        for (let i = 0; i < len; i++) {
          const value = this.any(keep)
          if (keep) arr.push(value)
        }
        return arr
      }
      case 116:
        return decoding.readVarUint8Array(decoder)
      default:
        throw new Error(`unknown value tag ${tag}`)
    }
  }
}

/** Moves past `n` bytes, returning where they start; throws past the end (as lib0's `subdataview`). */
function advance(decoder: decoding.Decoder, n: number): number {
  const at = decoder.pos
  if (at + n > decoder.arr.length) throw new Error('Unexpected end of array')
  decoder.pos = at + n
  return at
}
