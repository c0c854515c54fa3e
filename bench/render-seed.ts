/**
 * Board generation and seeding for the render benchmark: a deterministic mix of shapes on a grid,
 * written into a room through the test kit's protocol client: tier-1 props as Yjs updates, sticky-note
 * text through Easel's commit protocol (a leased field, so each note is locked, committed and released).
 */
import {
  type CrdtProps,
  insertShape,
  type ServerMessage,
  shapesMap,
  versionedKey,
  versionedMap,
  zBetweenN,
} from '@easel/shared'
import { ProtocolClient } from '@easel/testkit/protocolClient.ts'
import { waitFor } from '@easel/testkit/waitFor.ts'
import * as Y from 'yjs'

/** Grid pitch of the generated board, in page px. */
export const GRID_SPACING = 150
/** Shapes per Yjs transaction (one update frame each). */
const CHUNK = 1000
/**
 * Sticky notes whose text commit is in flight at once (lock, commit, release): at most the leases
 * the server lets one session hold (`maxLeasesPerSession`, 16 by default; more are denied).
 */
const TEXT_WINDOW = 16
const SEED_TIMEOUT_MS = 180_000

export type SeedShape = { id: string; props: CrdtProps; text?: string }

/** Share of each kind in the generated mix (cumulative thresholds below follow this order). */
export const MIX: Record<'rect' | 'ellipse' | 'sticky' | 'arrow' | 'line' | 'pen', number> = {
  rect: 0.35,
  ellipse: 0.2,
  sticky: 0.25,
  arrow: 0.07,
  line: 0.05,
  pen: 0.08,
}
/** Points of a generated pen stroke ([x, y, pressure] triples). */
export const PEN_POINTS = 50

const STROKES = ['#1e1e1e', '#e03131', '#2f9e44', '#1971c2', '#f08c00', '#6741d9']
const FILLS = ['transparent', 'transparent', '#ffc9c9', '#b2f2bb', '#a5d8ff', '#ffec99', '#eebefa']
const STICKY_FILLS = ['#fff3a3', '#fff3a3', '#ffd8a8', '#c3fae8', '#d0bfff']
const WORDS = (
  'plan ship review idea launch test fix design ask users data metric goal risk todo draft ' +
  'sync notes api docs bug perf login search export mobile onboarding pricing roadmap'
).split(' ')

/** mulberry32: a small deterministic PRNG, so every run draws the same board. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `n` shapes on a ⌈√n⌉-wide grid at {@link GRID_SPACING} px, in paint order. */
export function generateBoard(n: number, seed = 1): SeedShape[] {
  const rand = prng(seed)
  const between = (lo: number, hi: number) => lo + rand() * (hi - lo)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const round = (v: number) => Math.round(v * 10) / 10
  const cols = Math.ceil(Math.sqrt(n))
  const zs = zBetweenN(null, null, n)
  const thresholds = Object.entries(MIX).reduce<[string, number][]>((acc, [kind, share]) => {
    acc.push([kind, (acc.at(-1)?.[1] ?? 0) + share])
    return acc
  }, [])
  const shapes: SeedShape[] = []
  for (let i = 0; i < n; i++) {
    const r = rand()
    const kind = thresholds.find(([, t]) => r < t)?.[0] ?? 'rect'
    const base = {
      x: round((i % cols) * GRID_SPACING + between(-8, 8)),
      y: round(Math.floor(i / cols) * GRID_SPACING + between(-8, 8)),
      rotation: 0,
      z: zs[i]!,
      stroke: pick(STROKES),
      fill: 'transparent',
      strokeWidth: 2,
      opacity: 1,
      createdBy: 'bench',
    }
    const id = shapeIdAt(i)
    switch (kind) {
      case 'rect':
      case 'ellipse':
        shapes.push({
          id,
          props: {
            ...base,
            kind,
            w: round(between(50, 130)),
            h: round(between(40, 120)),
            fill: pick(FILLS),
            rotation: rand() < 0.1 ? round(between(-20, 20)) : 0,
          },
        })
        break
      case 'sticky': {
        const words = Array.from({ length: 2 + Math.floor(rand() * 5) }, () => pick(WORDS))
        shapes.push({
          id,
          props: {
            ...base,
            kind: 'sticky',
            w: 120,
            h: 120,
            fill: pick(STICKY_FILLS),
            strokeWidth: 0,
            fontSize: 20,
          },
          text: words.join(' '),
        })
        break
      }
      case 'arrow':
      case 'line': {
        const dx = round(between(60, 130))
        const dy = round(between(-50, 50))
        shapes.push({
          id,
          props: { ...base, kind, y: base.y + 60, w: dx, h: Math.abs(dy), points: [0, 0, dx, dy] },
        })
        break
      }
      case 'pen': {
        // A squiggle: a random walk with momentum inside a ~120 px cell.
        const points: number[] = []
        let x = 0
        let y = between(20, 100)
        let heading = between(-0.5, 0.5)
        for (let k = 0; k < PEN_POINTS; k++) {
          points.push(round(x), round(y), 0.5)
          heading += between(-0.6, 0.6)
          x = Math.min(120, Math.max(0, x + 2.4 + Math.cos(heading) * 2))
          y = Math.min(120, Math.max(0, y + Math.sin(heading) * 6))
        }
        const xs = points.filter((_, k) => k % 3 === 0)
        const ys = points.filter((_, k) => k % 3 === 1)
        shapes.push({
          id,
          props: {
            ...base,
            kind: 'pen',
            w: round(Math.max(...xs) - Math.min(...xs)),
            h: round(Math.max(...ys) - Math.min(...ys)),
            strokeWidth: pick([2, 2, 4]),
            points,
          },
        })
        break
      }
    }
  }
  return shapes
}

export type SeedStats = {
  /** Wall time of the whole seeding, from first connect to verified. */
  ms: number
  /** Bytes of the Yjs state for the tier-1 props (one full-state update). */
  docBytes: number
  /** Sticky notes whose text was committed. */
  texts: number
  kinds: Record<string, number>
}

/**
 * Writes `shapes` into `room` and returns once a second, fresh client sees all of them (and all
 * texts) from the server. Every socket is closed before it returns, also on failure.
 */
export async function seedRoom(wsUrl: string, room: string, shapes: SeedShape[]): Promise<SeedStats> {
  const started = performance.now()
  const deadline = Date.now() + SEED_TIMEOUT_MS
  const left = () => Math.max(0, deadline - Date.now())
  const writer = await ProtocolClient.connect(wsUrl, room, { name: 'bench', applyUpdates: false })
  let checker: ProtocolClient | null = null
  try {
    for (let i = 0; i < shapes.length; i += CHUNK) {
      writer.doc.transact(() => {
        for (const s of shapes.slice(i, i + CHUNK)) insertShape(writer.doc, s.id, s.props)
      })
    }
    const docBytes = Y.encodeStateAsUpdate(writer.doc).byteLength

    // Texts: lock, commit, release, with a bounded number of notes in flight.
    const texts = shapes.filter((s) => s.text !== undefined)
    let next = 0
    const commitNext = async (): Promise<void> => {
      for (let s = texts[next++]; s; s = texts[next++]) {
        const granted = writer.next((m) => m.t === 'lock.granted' && m.shapeId === s.id, left())
        writer.send({ t: 'lock.acquire', shapeId: s.id, wait: false })
        const { token } = (await granted) as Extract<ServerMessage, { t: 'lock.granted' }>
        const result = await writer.commit({
          token,
          ops: [{ shapeId: s.id, field: 'text', baseVersion: 0, value: s.text }],
        })
        if (result.status !== 'ok') throw new Error(`seeding: text commit refused: ${JSON.stringify(result)}`)
        writer.send({ t: 'lock.release', shapeId: s.id, token })
      }
    }
    await Promise.all(Array.from({ length: TEXT_WINDOW }, commitNext))

    // Verify from a fresh client: the server has every shape and every text.
    checker = await ProtocolClient.connect(wsUrl, room, { name: 'bench-check', timeoutMs: left() })
    const v = versionedMap(checker.doc)
    const doc = checker.doc
    await waitFor(
      () => shapesMap(doc).size === shapes.length && texts.every((s) => v.has(versionedKey(s.id, 'text'))),
      'the server to hold every shape',
      left(),
    )
    const kinds: Record<string, number> = {}
    for (const s of shapes) kinds[s.props.kind] = (kinds[s.props.kind] ?? 0) + 1
    return { ms: performance.now() - started, docBytes, texts: texts.length, kinds }
  } finally {
    await Promise.all([writer.close(), checker?.close()])
  }
}

/** A second user in the room who drags one shape around, as a live drag writes it. */
export type Peer = {
  /** Writes the k-th position of a small circle around the shape's start (one transaction). */
  move(k: number): void
  destroy(): Promise<void>
}

export async function connectPeer(wsUrl: string, room: string, shapeId: string): Promise<Peer> {
  const peer = await ProtocolClient.connect(wsUrl, room, { name: 'peer', timeoutMs: SEED_TIMEOUT_MS })
  const { doc } = peer
  const map = shapesMap(doc).get(shapeId)
  if (!map) {
    await peer.close()
    throw new Error(`the peer does not see ${shapeId}`)
  }
  const x0 = map.get('x') as number
  const y0 = map.get('y') as number
  return {
    move(k) {
      const a = k * 0.2
      doc.transact(() => {
        map.set('x', Math.round((x0 + 40 * Math.cos(a)) * 10) / 10)
        map.set('y', Math.round((y0 + 40 * Math.sin(a)) * 10) / 10)
      })
    },
    destroy: () => peer.close(),
  }
}

/** Id of the i-th generated shape (see {@link generateBoard}). */
export function shapeIdAt(i: number): string {
  return `s${i.toString(36).padStart(5, '0')}`
}
