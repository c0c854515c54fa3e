/**
 * The page side of the render benchmark, bundled by `render.ts` (esbuild) and run in the page once
 * the board is synced: it installs `window.__renderBench`. After the load is measured, `instrument`
 * adds a frame recorder (rAF loop), Konva layer draw and bitmap-cache timing (wrappers around `Konva.Layer.prototype.draw` and
 * `Konva.Node.prototype.cache`; Konva puts itself on `window`), a wheel counter, a
 * long-animation-frame observer, the what-if patches and the plain-canvas floor.
 */
import type { EaselDebug } from '@easel/client/debug.ts'

/** The part of Konva's scene graph that is read here. */
type KonvaNode = { attrs: { name?: string }; children?: KonvaNode[]; index: number; isCached(): boolean }
type KonvaGlobal = {
  Layer: { prototype: { draw(this: KonvaNode, ...args: unknown[]): unknown } }
  Node: { prototype: { cache(this: KonvaNode, ...args: unknown[]): unknown } }
}

/** long-animation-frame entries (not in TypeScript's DOM library yet). */
type LoafEntry = PerformanceEntry & {
  renderStart: number
  styleAndLayoutStart: number
  blockingDuration: number
  scripts?: { duration: number }[]
}

export type RawRecording = {
  frames: number[]
  zooms: number[]
  /** Konva `Layer#draw` calls: start, duration, layer index, shapes (ShapeView groups) in the layer. */
  draws: [number, number, number, number][]
  /** Konva `Node#cache` calls (re-rendering a node into its bitmap cache): start, duration. */
  caches: [number, number][]
  /** long-animation-frame entries: start, duration, renderStart, styleAndLayoutStart, blocking, script. */
  loaf: [number, number, number, number, number, number][]
  loafSupported: boolean
  wheel: number
}

/** Bench-only monkeypatches of Konva that estimate what a change to the renderer would save. */
export type VariantId = 'noRecache' | 'again'

export type RenderBench = {
  /** Installs the wrappers and listeners below; the other methods but the first two need it. */
  instrument(): void
  start(): void
  stop(): RawRecording
  /** `performance.now()` of the last keydown. */
  keyAt: number
  /** Shapes in the shape layer at its last draw. */
  lastMounted: number
  /** Resolves after the frame following the next one was produced: whatever was committed is on screen. */
  twoFrames(): Promise<number>
  /** Waits until the editor holds `n` shapes, then for the frame after that. */
  waitForShapes(n: number, timeoutMs: number): Promise<{ count: number; readyAt: number; paintedAt: number }>
  patch(variant: VariantId): void
  unpatch(): void
  plainCanvas(width: number, height: number): number
}

declare global {
  interface Window {
    __renderBench?: RenderBench
    Konva?: KonvaGlobal
  }
}

function easel(): EaselDebug {
  const debug = window.__easel
  if (!debug) throw new Error('window.__easel is not installed')
  return debug
}

const twoFrames = () =>
  new Promise<number>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))

/** ShapeView roots are Groups named "shape", directly in the layer or a few levels down. */
function countShapes(node: KonvaNode, depth: number): number {
  let n = 0
  for (const c of node.children ?? []) {
    if (c.attrs.name === 'shape') n++
    else if (depth < 3) n += countShapes(c, depth + 1)
  }
  return n
}

function create(): RenderBench {
  let active = false
  let rec: RawRecording = {
    frames: [],
    zooms: [],
    draws: [],
    caches: [],
    loaf: [],
    loafSupported: false,
    wheel: 0,
  }
  let countKey = -1
  let po: PerformanceObserver | null = null
  const K = window.Konva
  const originalCache = K?.Node.prototype.cache
  const timedCache =
    originalCache &&
    function (this: KonvaNode, ...args: unknown[]) {
      const t0 = performance.now()
      const result = originalCache.apply(this, args)
      if (active) rec.caches.push([t0, performance.now() - t0])
      return result
    }
  const onLoaf = (entries: PerformanceEntry[]) => {
    if (!active) return
    for (const e of entries as LoafEntry[]) {
      let script = 0
      for (const s of e.scripts ?? []) script += s.duration
      rec.loaf.push([
        e.startTime,
        e.duration,
        e.renderStart,
        e.styleAndLayoutStart,
        e.blockingDuration,
        script,
      ])
    }
  }
  const bench: RenderBench = {
    instrument,
    keyAt: 0,
    lastMounted: -1,
    twoFrames,
    start() {
      rec = { ...rec, frames: [], zooms: [], draws: [], caches: [], loaf: [], wheel: 0 }
      active = true
      const loop = (t: number) => {
        if (!active) return
        rec.frames.push(t)
        rec.zooms.push(window.__easel ? window.__easel.camera().z : Number.NaN)
        requestAnimationFrame(loop)
      }
      requestAnimationFrame(loop)
    },
    stop() {
      if (po) onLoaf(po.takeRecords())
      active = false
      return rec
    },
    async waitForShapes(n, timeoutMs) {
      // shapes() deep-copies every shape, so it is polled slowly.
      const deadline = performance.now() + timeoutMs
      let count = easel().shapes().length
      while (count !== n && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20))
        count = easel().shapes().length
      }
      const readyAt = performance.now()
      return { count, readyAt, paintedAt: await twoFrames() }
    },
    patch(variant) {
      // noRecache: a node that already has a bitmap keeps it, the upper bound of re-rendering the
      // bitmap less often.
      if (variant !== 'noRecache' || !K || !timedCache) return
      K.Node.prototype.cache = function (...args) {
        return this.isCached() ? this : timedCache.apply(this, args)
      }
    },
    unpatch() {
      if (K && timedCache) K.Node.prototype.cache = timedCache
    },
    plainCanvas,
  }
  function instrument() {
    if (K) {
      const originalDraw = K.Layer.prototype.draw
      K.Layer.prototype.draw = function (...args) {
        const t0 = performance.now()
        const result = originalDraw.apply(this, args)
        const t1 = performance.now()
        // Counted after the timed part, for the shape layer (the first one) only, and recounted only
        // when the number of its children or grandchildren changed.
        let shapes = 0
        if (this.index === 0) {
          let key = this.children?.length ?? 0
          for (const c of this.children ?? []) key = key * 31 + (c.children?.length ?? 0)
          if (key !== countKey) {
            countKey = key
            bench.lastMounted = countShapes(this, 0)
          }
          shapes = bench.lastMounted
        }
        if (active) rec.draws.push([t0, t1 - t0, this.index, shapes])
        return result
      }
    }
    if (K && timedCache) K.Node.prototype.cache = timedCache
    window.addEventListener(
      'wheel',
      () => {
        if (active) rec.wheel++
      },
      { capture: true, passive: true },
    )
    window.addEventListener(
      'keydown',
      () => {
        bench.keyAt = performance.now()
      },
      { capture: true },
    )
    try {
      po = new PerformanceObserver((list) => onLoaf(list.getEntries()))
      po.observe({ type: 'long-animation-frame', buffered: false })
      rec.loafSupported = true
    } catch {
      po = null
    }
  }
  return bench
}

/**
 * A floor for the zoomed-out redraw: the same shapes drawn with plain canvas 2D calls (no Konva, no
 * React) into an offscreen canvas of the viewport's size at the current camera, one call per shape
 * outline and one `fillText` per note, then flushed with a 1-pixel `getImageData`. Median of 10, ms.
 */
function plainCanvas(width: number, height: number): number {
  const shapes = easel().shapes()
  const cam = easel().camera()
  const c = document.createElement('canvas')
  c.width = width
  c.height = height
  const ctx = c.getContext('2d')!
  const draw = () => {
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    ctx.clearRect(0, 0, c.width, c.height)
    ctx.setTransform(cam.z, 0, 0, cam.z, cam.x * cam.z, cam.y * cam.z)
    for (const s of shapes) {
      ctx.globalAlpha = s.opacity
      if (s.kind === 'line' || s.kind === 'arrow' || s.kind === 'pen') {
        const stride = s.kind === 'pen' ? 3 : 2
        const p = s.points ?? []
        ctx.beginPath()
        for (let i = 0; i + 1 < p.length; i += stride) {
          if (i === 0) ctx.moveTo(s.x + p[i]!, s.y + p[i + 1]!)
          else ctx.lineTo(s.x + p[i]!, s.y + p[i + 1]!)
        }
        ctx.strokeStyle = s.stroke
        ctx.lineWidth = s.strokeWidth
        ctx.stroke()
        continue
      }
      const fill = s.kind === 'sticky' && s.fill === 'transparent' ? '#fff3a3' : s.fill
      if (fill !== 'transparent') {
        ctx.fillStyle = fill
        ctx.fillRect(s.x, s.y, s.w, s.h)
      }
      if (s.stroke !== 'transparent' && s.strokeWidth > 0) {
        ctx.strokeStyle = s.stroke
        ctx.lineWidth = s.strokeWidth
        ctx.strokeRect(s.x, s.y, s.w, s.h)
      }
      if (s.text) {
        ctx.fillStyle = '#1e1e1e'
        ctx.font = '20px system-ui, sans-serif'
        ctx.fillText(s.text, s.x + 14, s.y + 34, Math.max(1, s.w - 28))
      }
    }
    ctx.getImageData(0, 0, 1, 1)
  }
  draw()
  const times: number[] = []
  for (let i = 0; i < 10; i++) {
    const t = performance.now()
    draw()
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  return times[5]!
}

window.__renderBench ??= create()
