/** A shape that changed since the last update, and whether it was shown before (the read model's ShapeChange). */
export type Change = { readonly id: string; readonly existed: boolean }

export type HotShapesOptions = {
  /** A hot shape unchanged for this long goes back into the bitmap. */
  coolMs?: number
  /** At most this many shapes are drawn live; changes that do not fit go into the bitmap (re-rendered as before). */
  maxHot?: number
}

/**
 * Which shapes are "hot": changed recently (someone drags them), so drawn live above the cached
 * bitmap of the other shapes instead of re-rendering that bitmap on every change.
 *
 * The bitmap only has to be re-rendered when what it shows changes: a shape it holds becomes hot
 * (so it no longer shows there), a hot shape cools (it goes back in), or a shape it holds changes,
 * appears or goes while the hot set is full. A shape created while the set has room, and a hot
 * shape that changes or is deleted, never touch the bitmap. Pure logic with an injected clock.
 */
export class HotShapes {
  private readonly coolMs: number
  private readonly maxHot: number
  /** Hot ids and when each last changed. */
  private readonly changedAt = new Map<string, number>()
  /** Bumped when the set of hot ids changes: the bitmap must be re-rendered now (it shows a hot shape, or misses a cooled one). */
  hotVersion = 0
  /** Bumped when a shape kept in the bitmap changed, appeared or went (the set was full): re-render when convenient. */
  coldVersion = 0

  constructor(options: HotShapesOptions = {}) {
    this.coolMs = options.coolMs ?? 1500
    this.maxHot = options.maxHot ?? 200
  }

  /** Ids drawn live, above the bitmap. */
  ids(): IterableIterator<string> {
    return this.changedAt.keys()
  }

  isHot(id: string): boolean {
    return this.changedAt.has(id)
  }

  get size(): number {
    return this.changedAt.size
  }

  /**
   * Takes in the shapes changed since the last call (null: unknown, so anything may have changed:
   * everything goes back into a fresh bitmap). `exists` tells whether a shape is shown now.
   * Returns whether a version was bumped.
   */
  update(changes: readonly Change[] | null, exists: (id: string) => boolean, now: number): boolean {
    const { hotVersion, coldVersion } = this
    if (changes === null) {
      this.changedAt.clear()
      this.hotVersion++
      this.coldVersion++
      return true
    }
    // A batch that does not fit (an import, a paste, a big undo) goes into the bitmap whole: one
    // re-render, instead of hundreds of shapes drawn over the others for a while.
    let fresh = 0
    for (const { id } of changes) if (!this.changedAt.has(id) && exists(id)) fresh++
    const fits = this.changedAt.size + fresh <= this.maxHot
    let entered = false
    let cold = false
    for (const { id, existed } of changes) {
      if (!exists(id)) {
        // A hot shape that goes was only drawn live; a cold one is still in the bitmap.
        if (!this.changedAt.delete(id) && existed) cold = true
      } else if (this.changedAt.has(id)) {
        this.changedAt.set(id, now)
      } else if (fits) {
        this.changedAt.set(id, now)
        // A new shape is not in the bitmap: drawing it live needs no re-render.
        if (existed) entered = true
      } else {
        cold = true
      }
    }
    if (cold) this.coldVersion++
    if (entered) this.hotVersion++
    return hotVersion !== this.hotVersion || coldVersion !== this.coldVersion
  }

  /**
   * Cools the shapes whose last change is `coolMs` old, together with those idle for half of it (so
   * shapes that stopped at about the same time cost one re-render, not one each). Returns whether
   * any cooled.
   */
  cool(now: number): boolean {
    if (this.nextCoolAt() === null || now < this.nextCoolAt()!) return false
    for (const [id, t] of this.changedAt) if (now - t >= this.coolMs / 2) this.changedAt.delete(id)
    this.hotVersion++
    return true
  }

  /** When {@link cool} next has work to do, or null when nothing is hot. */
  nextCoolAt(): number | null {
    let oldest = Number.POSITIVE_INFINITY
    for (const t of this.changedAt.values()) oldest = Math.min(oldest, t)
    return oldest === Number.POSITIVE_INFINITY ? null : oldest + this.coolMs
  }

  /** Everything cold at once (the bitmap is being re-rendered anyway, or no bitmap is used). */
  coolAll(): void {
    if (this.changedAt.size === 0) return
    this.changedAt.clear()
    this.hotVersion++
  }
}
