import type { HotShape } from '@easel/shared'

/** Shapes the dashboard lists, hottest first. */
export const HOT_SHAPES_SHOWN = 20

/**
 * Conflicts and lease waits per (room, shape), in a map of at most `max` entries: when it is full,
 * a new shape evicts the coldest (fewest conflicts + waits, then the longest unseen), so a shape
 * people keep fighting over stays while one-off races make room for each other.
 */
export class HotShapes {
  private readonly shapes = new Map<string, HotShape>()

  constructor(
    private readonly max: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.shapes.size
  }

  conflict(room: string, shape: string, field: string): void {
    const s = this.entry(room, shape)
    s.conflicts++
    s.fields[field] = (s.fields[field] ?? 0) + 1
  }

  leaseWait(room: string, shape: string, waitedMs: number): void {
    const s = this.entry(room, shape)
    s.leaseWaits++
    s.leaseWaitTotalMs += waitedMs
    if (waitedMs > s.leaseWaitMaxMs) s.leaseWaitMaxMs = waitedMs
  }

  /** The hottest `n`, hottest first (copies). */
  top(n = HOT_SHAPES_SHOWN): HotShape[] {
    return [...this.shapes.values()]
      .sort((a, b) => heat(b) - heat(a) || b.lastAt - a.lastAt)
      .slice(0, n)
      .map((s) => ({ ...s, fields: { ...s.fields } }))
  }

  private entry(room: string, shape: string): HotShape {
    const key = `${room}\u0000${shape}`
    let s = this.shapes.get(key)
    if (!s) {
      if (this.shapes.size >= this.max) this.evictColdest()
      s = {
        room,
        shape,
        conflicts: 0,
        leaseWaits: 0,
        leaseWaitMaxMs: 0,
        leaseWaitTotalMs: 0,
        fields: {},
        lastAt: 0,
      }
      this.shapes.set(key, s)
    }
    s.lastAt = this.now()
    return s
  }

  /** A scan of the map: only when a new shape arrives at a full map. */
  private evictColdest(): void {
    let coldest: [string, HotShape] | null = null
    for (const e of this.shapes) {
      if (
        !coldest ||
        heat(e[1]) < heat(coldest[1]) ||
        (heat(e[1]) === heat(coldest[1]) && e[1].lastAt < coldest[1].lastAt)
      )
        coldest = e
    }
    if (coldest) this.shapes.delete(coldest[0])
  }
}

function heat(s: HotShape): number {
  return s.conflicts + s.leaseWaits
}
