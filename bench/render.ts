/**
 * Rendering: frame times of the real client (built `client/dist`, served by Easel) in headless
 * Chromium while a board of N shapes is panned and zoomed with real wheel input, at 100 % zoom
 * (culling keeps only the visible shapes mounted) and zoomed out to fit (every shape drawn).
 * Optionally profiles the page (CDP `Profiler`) and attributes its main-thread time to libraries.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from '@playwright/test'
import { machineCpuMs, processCpuMs, waitForQuietMachine } from './machine.ts'
import { type Benchmark, type BenchOptions, type Cell, fixed, percentile, progress, sleep } from './report.ts'
import {
  CATEGORIES,
  type CpuProfile,
  distSourceMapLoader,
  type ProfileSummary,
  STAGES,
  summarizeProfile,
} from './render-profile.ts'
import {
  connectPeer,
  GRID_SPACING,
  generateBoard,
  MIX,
  PEN_POINTS,
  type Peer,
  type SeedStats,
  seedRoom,
  shapeIdAt,
} from './render-seed.ts'
import { type RunningServer, startServer } from './servers.ts'
import { CHROMIUM_ARGS } from '../e2e/playwright.config.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
const DIST_DIR = path.join(ROOT, 'client/dist')
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const VIEWPORT = { width: 1280, height: 800 }
const sourceMapFor = distSourceMapLoader(DIST_DIR)

type Mode = {
  sizes: number[]
  phaseMs: number
  /** Phases profiled after the measured ones (profiling slows the page, so never while measuring). */
  profile: { sizes: number[]; phases: PhaseId[]; ms: number }
  /** Sizes at which the what-if variants of the zoomed-out pan run. */
  variantSizes: number[]
  quietWaitMs: number
}
const FULL: Mode = {
  sizes: [1_000, 5_000, 10_000],
  phaseMs: 6_000,
  profile: { sizes: [1_000, 5_000, 10_000], phases: ['panFit', 'remoteFit', 'pan100', 'zoom100'], ms: 4_000 },
  variantSizes: [10_000],
  quietWaitMs: 20_000,
}
const QUICK: Mode = {
  sizes: [1_000],
  phaseMs: 2_000,
  profile: { sizes: [1_000], phases: ['panFit'], ms: 2_000 },
  variantSizes: [1_000],
  quietWaitMs: 3_000,
}

/** Wheel events per second, like a trackpad (each one awaits the renderer's ack, so a busy page gets fewer). */
const WHEEL_HZ = 60
/** Rate of a remote live drag: the editor writes a gesture to the document at most every 33 ms. */
const PEER_HZ = 30
/** The frame budget the target is stated in: p95 below this at 10 000 shapes. */
const TARGET_P95_MS = 33
const LOAD_TIMEOUT_MS = 180_000
const STEP_TIMEOUT_MS = 60_000
/** Other processes above this share of one core during a phase get the row flagged. */
const BUSY_PCT = 25
/** Before each phase, wait (bounded) until other processes use at most this share of one core. */
const QUIET_PCT = 25
/** Sampling interval of the CPU profiler, µs. */
const PROFILE_SAMPLING_US = 250

type PhaseId = 'pan100' | 'zoom100' | 'panFit' | 'remoteFit'
const PHASE_LABEL: Record<PhaseId, string> = {
  pan100: 'pan @100%',
  zoom100: 'zoom 50–200%',
  panFit: 'pan, zoomed to fit',
  remoteFit: `zoomed to fit, a peer drags a shape (${PEER_HZ} Hz)`,
}

/**
 * The input of each phase, as the k-th wheel event: deltas in CSS px and whether Control is held.
 * pan100 walks a closed square (1 s per side at 60 Hz), zoom100 pinches 1 → 2 → 0.5 → 1 around the
 * viewport centre, panFit drifts a few px back and forth so the whole board stays in view.
 */
function wheelStep(phase: PhaseId, k: number): { dx: number; dy: number } {
  switch (phase) {
    case 'pan100': {
      const dirs = [
        [12, 5],
        [-5, 12],
        [-12, -5],
        [5, -12],
      ] as const
      const [dx, dy] = dirs[Math.floor(k / 60) % 4]!
      return { dx, dy }
    }
    case 'zoom100': {
      // Canvas.tsx: z *= exp(-deltaY / 100); 17 × 4 px ≈ ×2.
      const j = k % 68
      return { dx: 0, dy: j < 17 || j >= 51 ? -4 : 4 }
    }
    case 'remoteFit':
      return { dx: 0, dy: 0 }
    case 'panFit': {
      const dirs = [
        [6, 0],
        [0, 6],
        [-6, 0],
        [0, -6],
      ] as const
      const [dx, dy] = dirs[Math.floor(k / 30) % 4]!
      return { dx, dy }
    }
  }
}

/**
 * What-if variants of the zoomed-out pan: bench-only monkeypatches of Konva in the page (the
 * client is not changed) that estimate what a change to the renderer would save.
 */
type Variant = { id: string; label: string; patch: string; unpatch: string }
/** The phases the variants are run for. */
const VARIANT_PHASES: PhaseId[] = ['panFit', 'remoteFit']
const VARIANTS: Variant[] = [
  {
    // A node that already has a bitmap keeps it: the upper bound of re-rendering the bitmap less often.
    id: 'noRecache',
    label: 'what-if: cached bitmap never re-rendered',
    patch:
      'window.__rbCache ??= window.Konva.Node.prototype.cache; window.Konva.Node.prototype.cache = function () { return this.isCached() ? this : window.__rbCache.apply(this, arguments) };',
    unpatch: 'window.Konva.Node.prototype.cache = window.__rbCache;',
  },
  // The unpatched client once more: the spread between the two baseline rows is the noise level.
  { id: 'again', label: 'as built, again', patch: '', unpatch: '' },
]

/**
 * A floor for the zoomed-out redraw: the same shapes drawn with plain canvas 2D calls (no Konva, no
 * React) into an offscreen canvas of the viewport's size at the current camera, one call per shape
 * outline and one `fillText` per note, then flushed with a 1-pixel `getImageData`. Median of 10, ms.
 */
const PLAIN_CANVAS = `(() => {
  const shapes = window.__easel.shapes()
  const cam = window.__easel.camera()
  const c = document.createElement('canvas')
  c.width = ${VIEWPORT.width}
  c.height = ${VIEWPORT.height}
  const ctx = c.getContext('2d')
  const draw = () => {
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    ctx.clearRect(0, 0, c.width, c.height)
    ctx.setTransform(cam.z, 0, 0, cam.z, cam.x * cam.z, cam.y * cam.z)
    for (const s of shapes) {
      ctx.globalAlpha = s.opacity
      if (s.kind === 'line' || s.kind === 'arrow' || s.kind === 'pen') {
        const stride = s.kind === 'pen' ? 3 : 2
        const p = s.points || []
        ctx.beginPath()
        for (let i = 0; i + 1 < p.length; i += stride) {
          if (i === 0) ctx.moveTo(s.x + p[i], s.y + p[i + 1])
          else ctx.lineTo(s.x + p[i], s.y + p[i + 1])
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
  const times = []
  for (let i = 0; i < 10; i++) {
    const t = performance.now()
    draw()
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  return times[5]
})()`

type RawRecording = {
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

/**
 * Page side, installed once per page: a frame recorder (rAF loop), Konva layer draw timing (a wrapper
 * around `Konva.Layer.prototype.draw`; Konva puts itself on `window`), a wheel counter and a
 * long-animation-frame observer. Plain JS in a string: functions passed to `page.evaluate` would be
 * serialised after tsx's transform, which may reference helpers that do not exist in the page.
 */
const RECORDER = `(() => {
  if (window.__renderBench) return true
  const rec = { active: false, frames: [], zooms: [], draws: [], caches: [], loaf: [], wheel: 0, keyAt: 0, lastMounted: -1, countKey: -1, po: null, loafSupported: false }
  window.__renderBench = rec
  // ShapeView roots are Groups named "shape", directly in the layer or a few levels down.
  const countShapes = (node, depth) => {
    let n = 0
    for (const c of node.children || []) {
      if (c.attrs.name === 'shape') n++
      else if (depth < 3) n += countShapes(c, depth + 1)
    }
    return n
  }
  const K = window.Konva
  if (K && K.Layer && K.Layer.prototype.draw) {
    const orig = K.Layer.prototype.draw
    K.Layer.prototype.draw = function () {
      const t0 = performance.now()
      const result = orig.apply(this, arguments)
      const t1 = performance.now()
      // Counted after the timed part, for the shape layer (the first one) only, and recounted only
      // when the number of its children or grandchildren changed.
      let shapes = 0
      if (this.index === 0) {
        let key = this.children.length
        for (const c of this.children) key = key * 31 + (c.children ? c.children.length : 0)
        if (key !== rec.countKey) {
          rec.countKey = key
          rec.lastMounted = countShapes(this, 0)
        }
        shapes = rec.lastMounted
      }
      if (rec.active) rec.draws.push([t0, t1 - t0, this.index, shapes])
      return result
    }
  }
  if (K && K.Node && K.Node.prototype.cache) {
    const origCache = K.Node.prototype.cache
    K.Node.prototype.cache = function () {
      const t0 = performance.now()
      const result = origCache.apply(this, arguments)
      if (rec.active) rec.caches.push([t0, performance.now() - t0])
      return result
    }
  }
  window.addEventListener('wheel', () => { if (rec.active) rec.wheel++ }, { capture: true, passive: true })
  window.addEventListener('keydown', () => { rec.keyAt = performance.now() }, { capture: true })
  const onLoaf = (entries) => {
    if (!rec.active) return
    for (const e of entries) {
      let script = 0
      for (const s of e.scripts || []) script += s.duration
      rec.loaf.push([e.startTime, e.duration, e.renderStart, e.styleAndLayoutStart, e.blockingDuration, script])
    }
  }
  try {
    rec.po = new PerformanceObserver((list) => onLoaf(list.getEntries()))
    rec.po.observe({ type: 'long-animation-frame', buffered: false })
    rec.loafSupported = true
  } catch {}
  rec.start = () => {
    rec.frames = []; rec.zooms = []; rec.draws = []; rec.caches = []; rec.loaf = []; rec.wheel = 0
    rec.active = true
    const loop = (t) => {
      if (!rec.active) return
      rec.frames.push(t)
      rec.zooms.push(window.__easel ? window.__easel.camera().z : NaN)
      requestAnimationFrame(loop)
    }
    requestAnimationFrame(loop)
  }
  rec.stop = () => {
    if (rec.po) onLoaf(rec.po.takeRecords())
    rec.active = false
    return { frames: rec.frames, zooms: rec.zooms, draws: rec.draws, caches: rec.caches, loaf: rec.loaf, loafSupported: rec.loafSupported, wheel: rec.wheel }
  }
  return true
})()`

/** Resolves after the frame following the next one was produced: whatever was committed is on screen. */
const TWO_FRAMES = `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))`

type PhaseResult = {
  n: number
  phase: PhaseId
  /** A {@link Variant} id, or null for the client as built. */
  variant: string | null
  durationMs: number
  wheelSent: number
  wheelHandled: number
  frames: number
  fps: number
  p50: number
  p95: number
  p99: number
  max: number
  mean: number
  zoomMin: number
  zoomMax: number
  /** Shapes mounted in the shape layer (what Konva draws), mean and max over its draws. */
  mountedMean: number
  mountedMax: number
  /** Duration of the shape layer's `draw()` (Konva scene traversal + canvas 2D calls), per draw. */
  drawP50: number
  drawP95: number
  draws: number
  /** `Node#cache` calls (the client re-rendering shapes into a bitmap) and their p50 duration. */
  caches: number
  cacheP50: number
  /** Frames longer than 50 ms as reported by long-animation-frame, and their mean split. */
  longFrames: number | null
  longFrameMeanMs: number | null
  /** Of a long frame, mean ms in tasks before rendering (input handlers, React), rAF callbacks (Konva), style/layout/paint. */
  longTaskMs: number | null
  longRafMs: number | null
  longPaintMs: number | null
  browserCpuPct: number | null
  /** CPU time of the renderer's main thread per wheel event handled, i.e. per view update (less sensitive to a busy machine). */
  mainCpuMsPerUpdate: number | null
  mainCpuPct: number | null
  gpuCpuPct: number | null
  serverCpuPct: number | null
  otherCpuPct: number | null
  otherBeforePct: number | null
}

type SizeResult = {
  n: number
  seed: SeedStats
  /** From navigation start: all N shapes in the editor, and the frame after that painted. */
  loadReadyMs: number
  loadPaintedMs: number
  /** Shift+1 (zoom to fit) keydown until the frame after the one that drew every shape. */
  fitMs: number
  fitMounted: number
  fitZoom: number
  /** The bundle the page ran (client/dist may be rebuilt by someone else during a run). */
  bundle: string
  /** {@link PLAIN_CANVAS} at the fit zoom, where the variants run; null elsewhere. */
  plainCanvasMs: number | null
  phases: PhaseResult[]
  profiles: { phase: PhaseId; summary: ProfileSummary }[]
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`render: timed out after ${ms} ms: ${what}`)), ms)
    }),
  ])
}

/** Descendants of this process (the browser's process tree and the server), by /proc. */
function descendants(): number[] {
  const parentOf = new Map<number, number>()
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = []
  for (const pid of parentOf.keys()) {
    let p = parentOf.get(pid)
    for (let depth = 0; p !== undefined && p > 1 && depth < 64; depth++) {
      if (p === process.pid) {
        out.push(pid)
        break
      }
      p = parentOf.get(p)
    }
  }
  return out
}

/** Main thread (tid = pid) CPU ms of a process, from /proc/<pid>/task/<pid>/stat. */
function mainThreadCpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
  } catch {
    return null
  }
}

function processType(pid: number): string | null {
  try {
    return /--type=([a-z-]+)/.exec(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? null
  } catch {
    return null
  }
}

/**
 * CPU ms of the browser's processes (every descendant but the server), of the renderers' main
 * threads, and of the GPU process (with --disable-gpu it composites and may rasterise in software).
 */
function browserCpuMs(serverPid: number): { all: number; rendererMain: number; gpu: number } | null {
  try {
    let all = 0
    let rendererMain = 0
    let gpu = 0
    for (const pid of descendants()) {
      if (pid === serverPid) continue
      const ms = processCpuMs(pid) ?? 0
      all += ms
      const type = processType(pid)
      if (type === 'renderer') rendererMain += mainThreadCpuMs(pid) ?? 0
      else if (type === 'gpu-process') gpu += ms
    }
    return { all, rendererMain, gpu }
  } catch {
    return null
  }
}

type CpuMark = {
  browser: number | null
  rendererMain: number | null
  gpu: number | null
  server: number | null
  self: number
  machine: number | null
  at: number
}

function cpuMark(server: RunningServer): CpuMark {
  const u = process.cpuUsage()
  const b = browserCpuMs(server.pid)
  return {
    browser: b?.all ?? null,
    rendererMain: b?.rendererMain ?? null,
    gpu: b?.gpu ?? null,
    server: server.cpuMs(),
    self: (u.user + u.system) / 1000,
    machine: machineCpuMs(),
    at: performance.now(),
  }
}

function cpuPcts(a: CpuMark, b: CpuMark) {
  const span = b.at - a.at
  const pct = (x: number | null, y: number | null) =>
    x === null || y === null ? null : ((y - x) / span) * 100
  const browser = pct(a.browser, b.browser)
  const server = pct(a.server, b.server)
  const machine = pct(a.machine, b.machine)
  const self = ((b.self - a.self) / span) * 100
  const other =
    machine === null || browser === null || server === null
      ? null
      : Math.max(0, machine - browser - server - self)
  const rendererMainMs =
    a.rendererMain === null || b.rendererMain === null ? null : b.rendererMain - a.rendererMain
  return { browser, server, other, rendererMainMs, gpu: pct(a.gpu, b.gpu) }
}

/**
 * Drives a phase for `ms`: the phase's wheel events at {@link WHEEL_HZ}, or for `remoteFit` the
 * peer's moves at {@link PEER_HZ} (no local input). Returns how many events or moves were sent.
 */
async function drive(page: Page, phase: PhaseId, ms: number, peer: Peer | null): Promise<number> {
  const remote = phase === 'remoteFit'
  if (remote && !peer) throw new Error('render: the remote phase needs a peer')
  const period = 1000 / (remote ? PEER_HZ : WHEEL_HZ)
  const end = performance.now() + ms
  let next = performance.now()
  let k = 0
  while (performance.now() < end) {
    if (remote) {
      peer!.move(k++)
    } else {
      const { dx, dy } = wheelStep(phase, k++)
      await withTimeout(page.mouse.wheel(dx, dy), STEP_TIMEOUT_MS, `wheel event ${k} of ${phase}`)
    }
    next += period
    const wait = next - performance.now()
    // A page that falls behind gets the next event right away, never a burst of catch-up events.
    if (wait > 0) await sleep(wait)
    else next = performance.now()
  }
  return k
}

async function withControl<T>(page: Page, on: boolean, fn: () => Promise<T>): Promise<T> {
  if (!on) return fn()
  await page.keyboard.down('Control')
  try {
    return await fn()
  } finally {
    await page.keyboard.up('Control')
  }
}

async function measurePhase(
  page: Page,
  server: RunningServer,
  n: number,
  phase: PhaseId,
  mode: Mode,
  peer: Peer | null,
  variant: Variant | null = null,
): Promise<PhaseResult> {
  const before = await waitForQuietMachine(QUIET_PCT, mode.quietWaitMs)
  if (variant) await page.evaluate(variant.patch)
  await page.mouse.move(VIEWPORT.width / 2, VIEWPORT.height / 2)
  await page.evaluate(TWO_FRAMES)
  await page.evaluate('window.__renderBench.start()')
  const c0 = cpuMark(server)
  const t0 = performance.now()
  const sent = await withControl(page, phase === 'zoom100', () => drive(page, phase, mode.phaseMs, peer))
  const durationMs = performance.now() - t0
  const c1 = cpuMark(server)
  // Let the last input's frame land before stopping the recorder.
  await withTimeout(page.evaluate(TWO_FRAMES), STEP_TIMEOUT_MS, 'last frame')
  const rec = (await page.evaluate('window.__renderBench.stop()')) as RawRecording
  if (variant) await page.evaluate(variant.unpatch)
  const cpu = cpuPcts(c0, c1)

  const intervals = Float64Array.from(rec.frames.slice(1).map((t, i) => t - rec.frames[i]!)).sort()
  const span = (rec.frames.at(-1) ?? 0) - (rec.frames[0] ?? 0)
  const shapeDraws = rec.draws.filter((d) => d[2] === 0)
  const drawMs = Float64Array.from(shapeDraws.map((d) => d[1])).sort()
  const zooms = rec.zooms.filter((z) => Number.isFinite(z))
  const loaf = rec.loafSupported ? rec.loaf : null
  const meanOf = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN)
  return {
    n,
    phase,
    variant: variant?.id ?? null,
    durationMs,
    wheelSent: sent,
    wheelHandled: rec.wheel,
    frames: rec.frames.length,
    fps: span > 0 ? ((rec.frames.length - 1) / span) * 1000 : Number.NaN,
    p50: percentile(intervals, 50),
    p95: percentile(intervals, 95),
    p99: percentile(intervals, 99),
    max: intervals.at(-1) ?? Number.NaN,
    mean: meanOf([...intervals]),
    zoomMin: Math.min(...zooms),
    zoomMax: Math.max(...zooms),
    mountedMean: meanOf(shapeDraws.map((d) => d[3])),
    mountedMax: Math.max(0, ...shapeDraws.map((d) => d[3])),
    drawP50: percentile(drawMs, 50),
    drawP95: percentile(drawMs, 95),
    draws: shapeDraws.length,
    caches: rec.caches.length,
    cacheP50: percentile(Float64Array.from(rec.caches.map((c) => c[1])).sort(), 50),
    longFrames: loaf ? loaf.length : null,
    longFrameMeanMs: loaf ? meanOf(loaf.map((l) => l[1])) : null,
    // renderStart/styleAndLayoutStart are 0 when a frame had no rendering step.
    longTaskMs: loaf ? meanOf(loaf.map(([s, , r]) => (r > 0 ? r - s : 0))) : null,
    longRafMs: loaf ? meanOf(loaf.map(([, , r, sl]) => (r > 0 && sl > 0 ? sl - r : 0))) : null,
    longPaintMs: loaf ? meanOf(loaf.map(([s, d, , sl]) => (sl > 0 ? s + d - sl : 0))) : null,
    browserCpuPct: cpu.browser,
    // An update is one camera change (a wheel event the page received) or one peer edit sent.
    mainCpuMsPerUpdate:
      cpu.rendererMainMs === null
        ? null
        : cpu.rendererMainMs / Math.max(1, phase === 'remoteFit' ? sent : rec.wheel),
    mainCpuPct: cpu.rendererMainMs === null ? null : (cpu.rendererMainMs / durationMs) * 100,
    gpuCpuPct: cpu.gpu,
    serverCpuPct: cpu.server,
    otherCpuPct: cpu.other,
    otherBeforePct: before,
  }
}

async function profilePhase(
  page: Page,
  phase: PhaseId,
  ms: number,
  peer: Peer | null,
): Promise<ProfileSummary> {
  const cdp = await page.context().newCDPSession(page)
  try {
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: PROFILE_SAMPLING_US })
    await page.mouse.move(VIEWPORT.width / 2, VIEWPORT.height / 2)
    await page.evaluate(TWO_FRAMES)
    await cdp.send('Profiler.start')
    await withControl(page, phase === 'zoom100', () => drive(page, phase, ms, peer))
    await withTimeout(page.evaluate(TWO_FRAMES), STEP_TIMEOUT_MS, 'last frame')
    const { profile } = await cdp.send('Profiler.stop')
    return summarizeProfile(profile as CpuProfile, sourceMapFor)
  } finally {
    await cdp.detach().catch(() => {})
  }
}

/**
 * Every phase starts from the same view: zoomed to fit (Shift+1), and for the 100 % phases then
 * Shift+0, which zooms to 100 % around the viewport centre, i.e. the board's centre.
 */
async function resetView(page: Page, phase: PhaseId): Promise<void> {
  await pressAndPaint(page, 'Shift+Digit1')
  if (phase === 'pan100' || phase === 'zoom100') await pressAndPaint(page, 'Shift+Digit0')
}

async function pressAndPaint(page: Page, key: string): Promise<number> {
  await page.keyboard.press(key)
  const painted = (await withTimeout(page.evaluate(TWO_FRAMES), STEP_TIMEOUT_MS, key)) as number
  const keyAt = (await page.evaluate('window.__renderBench.keyAt')) as number
  return painted - keyAt
}

async function measureSize(
  browser: Browser,
  n: number,
  mode: Mode,
  cpuProfileDir?: string,
): Promise<SizeResult> {
  const server = await startServer('easel', { cpuProfileDir, tag: `render-${n}` })
  let context: BrowserContext | null = null
  // Held in an object: it is set inside a closure, which control-flow narrowing does not see.
  const peerRef: { current: Peer | null } = { current: null }
  const cols = Math.ceil(Math.sqrt(n))
  const rows = Math.ceil(n / cols)
  try {
    const room = `render-${n}`
    progress(`render N=${n}: seeding (server pid ${server.pid}) …`)
    const shapes = generateBoard(n)
    const seed = await seedRoom(server.wsUrl, room, shapes)
    progress(`  seeded ${n} shapes (${seed.texts} texts) in ${fixed(seed.ms / 1000, 1)} s`)

    await waitForQuietMachine(QUIET_PCT, mode.quietWaitMs)
    context = await browser.newContext({ viewport: VIEWPORT })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    const origin = server.wsUrl.replace(/^ws:/, 'http:').replace(/\/ws$/, '')
    await withTimeout(page.goto(`${origin}/b/${room}`), LOAD_TIMEOUT_MS, 'page load')
    await page.waitForFunction('window.__easel?.connection?.().synced === true', undefined, {
      polling: 50,
      timeout: LOAD_TIMEOUT_MS,
    })
    // The sync message carries the whole board, so `synced` means the editor has every shape
    // (shapes() deep-copies all of them, so it is not polled).
    const load = (await withTimeout(
      page.evaluate(`(async () => {
        const deadline = performance.now() + ${LOAD_TIMEOUT_MS}
        let count = window.__easel.shapes().length
        while (count !== ${n} && performance.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20))
          count = window.__easel.shapes().length
        }
        const readyAt = performance.now()
        const paintedAt = await ${TWO_FRAMES}
        return { count, readyAt, paintedAt }
      })()`),
      LOAD_TIMEOUT_MS,
      'all shapes in the editor',
    )) as { count: number; readyAt: number; paintedAt: number }
    if (load.count !== n) throw new Error(`render: the page shows ${load.count} of ${n} shapes`)
    progress(
      `  page: all ${n} shapes after ${fixed(load.readyAt, 0)} ms, painted at ${fixed(load.paintedAt, 0)} ms`,
    )
    await page.evaluate(RECORDER)
    // Read the bundle's source maps now, while they match what the page runs.
    const scripts = ((await page.evaluate('[...document.scripts].map((s) => s.src)')) as string[]).filter(
      Boolean,
    )
    for (const src of scripts) sourceMapFor(src)

    // The first zoom to fit mounts every shape: the time until all N are on screen.
    await page.mouse.move(VIEWPORT.width / 2, VIEWPORT.height / 2)
    const fitMs = await pressAndPaint(page, 'Shift+Digit1')
    const fitState = (await page.evaluate(`({
      z: window.__easel.camera().z,
      mounted: window.__renderBench.lastMounted,
    })`)) as { z: number; mounted: number }
    progress(
      `  zoom to fit: ${fixed(fitMs, 0)} ms to paint ${fitState.mounted} shapes, z=${fixed(fitState.z, 3)}`,
    )

    const phases: PhaseResult[] = []
    // The peer joins for the remote phase only (its awareness would otherwise be one more user).
    const peerFor = async (phase: PhaseId) => {
      if (phase !== 'remoteFit') return null
      peerRef.current ??= await connectPeer(
        server.wsUrl,
        room,
        shapeIdAt(Math.floor(rows / 2) * cols + Math.floor(cols / 2)),
      )
      return peerRef.current
    }
    const runPhase = async (phase: PhaseId, variant: Variant | null = null) => {
      await resetView(page, phase)
      const r = await measurePhase(page, server, n, phase, mode, await peerFor(phase), variant)
      phases.push(r)
      progress(
        `  ${PHASE_LABEL[phase]}${variant ? ` (${variant.label})` : ''}: ${r.frames} frames, ${fixed(r.fps, 1)} fps, ` +
          `p50 ${fixed(r.p50, 1)} / p95 ${fixed(r.p95, 1)} / max ${fixed(r.max, 0)} ms; ` +
          `${fixed(r.mountedMean, 0)} shapes mounted; draw p50 ${fixed(r.drawP50, 1)} ms; ` +
          `main thread ${fixed(r.mainCpuMsPerUpdate, 1)} ms CPU/update; ${r.wheelHandled}/${r.wheelSent} wheel events; ` +
          `CPU % main ${fixed(r.mainCpuPct, 0)} GPU ${fixed(r.gpuCpuPct, 0)} browser ${fixed(r.browserCpuPct, 0)} other ${fixed(r.otherCpuPct, 0)}`,
      )
    }
    await runPhase('pan100')
    await runPhase('zoom100')
    await runPhase('panFit')
    await runPhase('remoteFit')
    let plainCanvasMs: number | null = null
    if (mode.variantSizes.includes(n)) {
      for (const phase of VARIANT_PHASES) for (const v of VARIANTS) await runPhase(phase, v)
      await resetView(page, 'panFit')
      plainCanvasMs = (await withTimeout(
        page.evaluate(PLAIN_CANVAS),
        STEP_TIMEOUT_MS,
        'plain canvas',
      )) as number
      progress(`  plain canvas 2D redraw of all ${n} shapes at the fit zoom: ${fixed(plainCanvasMs, 1)} ms`)
    }

    const profiles: SizeResult['profiles'] = []
    if (mode.profile.sizes.includes(n)) {
      // panFit first (the view is still fitted), then back to 100 % at the board's centre.
      for (const phase of mode.profile.phases) {
        await resetView(page, phase)
        const summary = await profilePhase(page, phase, mode.profile.ms, await peerFor(phase))
        profiles.push({ phase, summary })
        const busy = summary.categories.filter((c) => c.category !== 'idle' && c.pct >= 5)
        progress(
          `  profile ${PHASE_LABEL[phase]}: ${busy.map((c) => `${c.category} ${fixed(c.pct, 0)}%`).join(', ')}`,
        )
      }
    }
    if (errors.length > 0) progress(`  page errors: ${errors.slice(0, 3).join(' | ')}`)
    return {
      n,
      seed,
      loadReadyMs: load.readyAt,
      loadPaintedMs: load.paintedAt,
      fitMs,
      fitMounted: fitState.mounted,
      fitZoom: fitState.z,
      plainCanvasMs,
      bundle: scripts.map((u) => u.replace(/^.*\//, '')).join(', '),
      phases,
      profiles,
    }
  } finally {
    peerRef.current?.destroy()
    await context?.close().catch(() => {})
    await server.stop()
  }
}

const FRAME_COLUMNS = [
  'N',
  'phase',
  'zoom',
  'shapes drawn',
  'updates: wheel events handled / sent',
  'fps',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'max ms',
  'layer draw p50 / p95 ms',
  'bitmap re-caches: count × p50 ms',
  'main-thread CPU ms / update',
  'frames > 50 ms: count × mean ms (tasks / rAF / paint)',
  'CPU %: renderer main thread / GPU process / whole browser',
  'other CPU %',
]

function frameRow(r: PhaseResult): Cell[] {
  const zoom =
    Math.abs(r.zoomMax - r.zoomMin) < 0.005
      ? `${fixed(r.zoomMin * 100, 0)}%`
      : `${fixed(r.zoomMin * 100, 0)}–${fixed(r.zoomMax * 100, 0)}%`
  const p95 =
    r.n === 10_000 && r.variant === null && r.p95 > TARGET_P95_MS ? `**${fixed(r.p95, 1)}**` : fixed(r.p95, 1)
  return [
    r.n,
    r.variant === null
      ? PHASE_LABEL[r.phase]
      : `${PHASE_LABEL[r.phase]} — ${VARIANTS.find((v) => v.id === r.variant)?.label ?? r.variant}`,
    zoom,
    `${fixed(r.mountedMean, 0)} (max ${r.mountedMax})`,
    r.phase === 'remoteFit' ? `${r.wheelSent} peer edits` : `${r.wheelHandled} / ${r.wheelSent}`,
    fixed(r.fps, 1),
    fixed(r.p50, 1),
    p95,
    fixed(r.p99, 1),
    fixed(r.max, 0),
    `${fixed(r.drawP50, 1)} / ${fixed(r.drawP95, 1)}`,
    r.caches === 0 ? '0' : `${r.caches} × ${fixed(r.cacheP50, 0)}`,
    fixed(r.mainCpuMsPerUpdate, 1),
    r.longFrames === null
      ? '—'
      : r.longFrames === 0
        ? '0'
        : `${r.longFrames} × ${fixed(r.longFrameMeanMs, 0)} (${fixed(r.longTaskMs, 0)} / ${fixed(r.longRafMs, 0)} / ${fixed(r.longPaintMs, 0)})`,
    `${fixed(r.mainCpuPct, 0)} / ${fixed(r.gpuCpuPct, 0)} / ${fixed(r.browserCpuPct, 0)}`,
    fixed(r.otherCpuPct, 0),
  ]
}

/** Which client is measured: the bundle in client/dist, when it was built, and the last commit touching client/. */
function clientBuild(): { bundle: string; builtAt: string; commit: string } {
  const assets = path.join(DIST_DIR, 'assets')
  const bundle = fs.readdirSync(assets).find((f) => /^index-.*\.js$/.test(f)) ?? 'unknown'
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['log', '-1', '--format=%h %s', '--', 'client'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'client/src'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
    if (dirty.trim()) commit += ' (plus uncommitted changes in client/src)'
  } catch {
    // Not a git checkout.
  }
  const builtAt =
    bundle === 'unknown' ? 'unknown' : fs.statSync(path.join(assets, bundle)).mtime.toISOString()
  return { bundle, builtAt, commit }
}

async function run(options: BenchOptions) {
  const mode = options.quick ? QUICK : FULL
  if (!fs.existsSync(path.join(DIST_DIR, 'index.html'))) {
    throw new Error('client/dist is missing: run `pnpm build` first (`pnpm bench` does)')
  }
  const client = clientBuild()
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
  })
  const sizes: SizeResult[] = []
  let chromiumVersion = 'unknown'
  try {
    chromiumVersion = browser.version()
    for (const n of mode.sizes) sizes.push(await measureSize(browser, n, mode, options.cpuProfileDir))
  } finally {
    await browser.close().catch(() => {})
  }

  const all = sizes.flatMap((s) => s.phases)
  const phases = all.filter((r) => r.variant === null)
  const order: PhaseId[] = ['pan100', 'zoom100', 'panFit', 'remoteFit']
  const tables = [
    {
      title: `Frame intervals while interacting (${mode.phaseMs / 1000} s per phase, wheel input at ${WHEEL_HZ} Hz)`,
      columns: FRAME_COLUMNS,
      rows: order.flatMap((phase) => phases.filter((r) => r.phase === phase).map(frameRow)),
    },
    {
      title: 'Loading',
      columns: [
        'N',
        'seed (server) s',
        'Yjs state MB',
        'all N in editor ms',
        'first frame painted ms',
        'first zoom to fit → all N painted ms',
        'shapes drawn at fit',
        'fit zoom',
      ],
      rows: sizes.map((s) => [
        s.n,
        fixed(s.seed.ms / 1000, 1),
        fixed(s.seed.docBytes / 2 ** 20, 2),
        fixed(s.loadReadyMs, 0),
        fixed(s.loadPaintedMs, 0),
        fixed(s.fitMs, 0),
        s.fitMounted,
        `${fixed(s.fitZoom * 100, 1)}%`,
      ]),
    },
  ]
  const whatIf = VARIANT_PHASES.flatMap((phase) =>
    all.filter((r) => mode.variantSizes.includes(r.n) && r.phase === phase),
  )
  if (whatIf.length > 0) {
    tables.push({
      title:
        'What-if, zoomed to fit: the same phases with Konva patched in the page (bench-only, the client is unchanged)',
      columns: FRAME_COLUMNS,
      rows: whatIf.map(frameRow),
    })
    tables.push({
      title:
        'Floor: one full redraw of the board at the fit zoom with plain canvas 2D calls (no Konva, no React)',
      columns: [
        'N',
        'plain canvas redraw ms (median of 10)',
        'Konva shape layer draw p50 ms, pan (as built)',
        'Konva bitmap re-cache p50 ms, peer drag (as built)',
      ],
      rows: sizes
        .filter((s) => s.plainCanvasMs !== null)
        .map((s) => {
          const base = (phase: PhaseId) => s.phases.find((r) => r.phase === phase && r.variant === null)
          const remote = base('remoteFit')
          return [
            s.n,
            fixed(s.plainCanvasMs, 1),
            fixed(base('panFit')?.drawP50 ?? null, 1),
            remote && remote.caches > 0 ? fixed(remote.cacheP50, 1) : '—',
          ]
        }),
    })
  }
  const profiled = sizes.flatMap((s) => s.profiles.map((p) => ({ n: s.n, ...p })))
  if (profiled.length > 0) {
    const shown = CATEGORIES.filter((c) =>
      profiled.some((p) => p.summary.categories.some((x) => x.category === c && x.pct >= 0.5)),
    )
    tables.push({
      title: `Where the renderer's main thread goes (CPU profile, % of wall time, ${mode.profile.ms / 1000} s per phase)`,
      columns: ['N', 'phase', ...shown],
      rows: profiled.map((p) => [
        p.n,
        PHASE_LABEL[p.phase],
        ...shown.map((c) => fixed(p.summary.categories.find((x) => x.category === c)?.pct ?? 0, 1)),
      ]),
    })
    tables.push({
      title: 'Inclusive time of frame stages (CPU profile, % of wall time)',
      columns: ['stage', ...profiled.map((p) => `N=${p.n} ${PHASE_LABEL[p.phase]}`)],
      rows: STAGES.map((st, i) => [
        st.label,
        ...profiled.map((p) => fixed(p.summary.stages[i]?.pct ?? 0, 1)),
      ]),
    })
    const largest = sizes.at(-1)!
    for (const p of largest.profiles) {
      tables.push({
        title: `N=${largest.n}, ${PHASE_LABEL[p.phase]}: top functions by self time`,
        columns: ['function (original source line)', 'where', 'category', 'ms', '%'],
        rows: p.summary.self
          .slice(0, 12)
          .map((f) => [f.fn, f.where, f.category, fixed(f.ms, 0), fixed(f.pct, 1)]),
      })
    }
  }

  const notes: string[] = []
  const busy = all.filter((r) => (r.otherCpuPct ?? 0) > BUSY_PCT)
  if (busy.length > 0) {
    notes.push(
      `Other processes used more than ${BUSY_PCT}% of a core during: ${busy
        .map(
          (r) =>
            `N=${r.n} ${PHASE_LABEL[r.phase]}${r.variant ? ` (${r.variant})` : ''} (${fixed(r.otherCpuPct, 0)}%)`,
        )
        .join(', ')}; those rows measure a shared machine.`,
    )
  }
  const bundles = new Set(sizes.map((s) => s.bundle))
  if (bundles.size > 1 || !bundles.has(client.bundle)) {
    notes.push(
      `The client was rebuilt during the run: the pages ran ${sizes.map((s) => `${s.bundle} (N=${s.n})`).join(', ')}.`,
    )
  }
  const big = phases.filter((r) => r.n === 10_000)
  const over = big.filter((r) => r.p95 > TARGET_P95_MS)
  if (big.length > 0) {
    notes.push(
      over.length === 0
        ? `Target met: p95 frame interval below ${TARGET_P95_MS} ms in every phase at N=10 000.`
        : `Target missed at N=10 000 (p95 > ${TARGET_P95_MS} ms): ${over.map((r) => `${PHASE_LABEL[r.phase]} ${fixed(r.p95, 1)} ms`).join(', ')}.`,
    )
  }
  const mix = Object.entries(MIX)
    .map(([k, v]) => `${k} ${Math.round(v * 100)}%`)
    .join(', ')
  return {
    title: 'Rendering: frame times of the board while panning and zooming',
    description: [
      `- **Board.** N shapes on a ⌈√N⌉ × ⌈√N⌉ grid at ${GRID_SPACING} px (N=10 000: ${100 * GRID_SPACING} px square), ` +
        `deterministic mix: ${mix}. Rectangles and ellipses 50–130 px with mixed fills, 10% rotated; ` +
        `sticky notes 120 px with 2–6 words of text (committed through Easel's lease + commit protocol, ` +
        `as the client does); arrows and lines ~100 px; pen strokes of ${PEN_POINTS} points. ` +
        'Written by a Node `y-websocket` provider in transactions of 1 000 shapes into a fresh Easel ' +
        'server (child process on 127.0.0.1, temp SQLite dir), verified from a second client before the page opens.',
      `- **Browser.** Headless Chromium ${chromiumVersion} (\`${CHROMIUM_PATH}\`, \`${CHROMIUM_ARGS.join(' ')}\`), ` +
        `viewport ${VIEWPORT.width}×${VIEWPORT.height}, fresh context per N, the built client (\`client/dist/assets/${client.bundle}\`, ` +
        `built ${client.builtAt}; last client commit: ${client.commit}) ` +
        'served by Easel at `/b/<room>`. With `--disable-gpu` Chromium rasterises Konva’s 2D canvas in ' +
        'software on the CPU, as on a machine without GPU acceleration: absolute numbers are pessimistic ' +
        'compared to a desktop browser with a GPU, but the scaling with N is what this measures.',
      `- **Input.** Real wheel events through Playwright (\`page.mouse.wheel\`, CDP input) at up to ${WHEEL_HZ} Hz, ` +
        'each awaiting the renderer’s acknowledgement, so a busy page receives fewer events (column “updates”: ' +
        'wheel events received by the page / sent). Every phase starts from the same view (Shift+1, zoom to ' +
        'fit, then for the 100% phases Shift+0, which centres the board at 100%). Phases: pan at 100% ' +
        '(a square path of 12 px steps, 1 s per side), zoom by ctrl+wheel 100% → 200% → 50% → 100% around the ' +
        'viewport centre, zoomed to fit (every shape visible, nothing culled) a pan of 6 px steps, and ' +
        `zoomed to fit without local input while a second client (a Node \`y-websocket\` provider) drags one ` +
        `shape near the centre in a small circle, ${PEER_HZ} writes/s as the editor writes a live drag: what ` +
        'a viewer of a big board sees while someone else works on it.',
      '- **Measurement.** A `requestAnimationFrame` loop in the page records frame timestamps during the ' +
        'phase; percentiles (nearest rank) are over frame-to-frame intervals, fps = frames ÷ time. ' +
        '“Layer draw” wraps `Konva.Layer.prototype.draw` for the shape layer (scene traversal and canvas 2D ' +
        'calls, or one blit when the client draws the layer from its bitmap cache; rasterisation may happen ' +
        'later). “Bitmap re-caches” wraps `Konva.Node.prototype.cache` (the client re-rendering its shapes ' +
        'into that bitmap). “Shapes drawn” counts the ShapeView groups (`name="shape"`) in the shape layer, ' +
        'i.e. what culling left mounted. “Frames > 50 ms” counts long-animation-frame entries and ' +
        'splits their mean duration into tasks before the rendering step (wheel handler, React render and ' +
        'commit), `requestAnimationFrame` callbacks (Konva draws there) and style/layout/paint. CPU % ' +
        'is % of one core over the phase: the renderer main thread, the GPU process (with --disable-gpu it ' +
        'composites, and may rasterise canvases, in software: main-thread CPU then excludes that work), the ' +
        'whole Chromium process tree, and everything else on the ' +
        `machine. Before each phase the runner waits up to ${mode.quietWaitMs / 1000} s for other processes to ` +
        `drop below ${QUIET_PCT}% of a core. “Main-thread CPU ms / update” is the CPU time of the renderer's ` +
        'main thread (from /proc) divided by the updates: wheel events the page handled (each moves the ' +
        'camera once), or edits the peer sent: ' +
        'the work per view update, which a busy machine inflates much less than the frame intervals. ' +
        `Target: p95 < ${TARGET_P95_MS} ms at N=10 000.`,
      '- **What-if.** At ' +
        `N=${mode.variantSizes.join(', ')} the zoomed-out phases are repeated with Konva patched in the page: ` +
        '`Konva.Node.prototype.cache` returns at once for a node that already has a bitmap (the client ' +
        're-renders its shape bitmap whenever the visible set, the shapes or the zoom change; this row is the ' +
        'upper bound of doing that less often; the peer’s moving shape then stays where it was in the ' +
        'bitmap). The client itself is unchanged. The unpatched phases are run once more to show the ' +
        'run-to-run spread. The “floor” table draws the same shapes once ' +
        'with plain canvas 2D calls (a rectangle, outline or polyline per shape, one `fillText` per note) ' +
        'into an offscreen canvas of the viewport size and forces rasterisation with a 1-pixel ' +
        '`getImageData`: what one batched redraw of the whole board costs on this machine.',
      '- **Profile.** After the measured phases, each profiled phase is repeated under the CDP `Profiler` ' +
        `(${PROFILE_SAMPLING_US} µs sampling; not part of the frame numbers), samples are mapped through ` +
        '`client/dist`’s source map to original files and grouped by library. “browser native” is ' +
        'main-thread time outside JavaScript (style, layout, paint, canvas rasterisation); time inside ' +
        'canvas 2D calls made by Konva counts as Konva.',
    ],
    tables,
    notes,
    data: { mode, chromium: chromiumVersion, client, sizes },
  }
}

export const render: Benchmark = { name: 'render', run }
