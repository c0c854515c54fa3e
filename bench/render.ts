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
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@easel/testkit/chromium.ts'
import { sleep } from '@easel/testkit/waitFor.ts'
import * as esbuild from 'esbuild'
import {
  BUSY_OTHER_PCT,
  type CpuSource,
  CpuWindow,
  mainThreadCpuMs,
  processCpuMs,
  SETTLE_WAIT_MS,
  settleMachine,
} from './measure.ts'
import { type Benchmark, type BenchOptions, type Cell, fixed, percentile, progress } from './report.ts'
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
import type { VariantId } from './renderPage.ts'
import { type RunningServer, startServer } from './servers.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
const DIST_DIR = path.join(ROOT, 'client/dist')
const VIEWPORT = { width: 1280, height: 800 }
const sourceMapFor = distSourceMapLoader(DIST_DIR)

type Mode = {
  sizes: number[]
  phaseMs: number
  /** Phases profiled after the measured ones (profiling slows the page, so never while measuring). */
  profile: { sizes: number[]; phases: PhaseId[]; ms: number }
  /** Sizes at which the what-if variants of the zoomed-out pan run. */
  variantSizes: number[]
  /** A smoke run: does not wait for a busy machine to calm down. */
  quick: boolean
  /** The measured phases. */
  phases: PhaseId[]
}
const FULL: Mode = {
  sizes: [1_000, 5_000, 10_000],
  phaseMs: 6_000,
  profile: { sizes: [1_000, 5_000, 10_000], phases: ['panFit', 'remoteFit', 'pan100', 'zoom100'], ms: 4_000 },
  variantSizes: [10_000],
  quick: false,
  phases: ['pan100', 'zoom100', 'panFit', 'remoteFit'],
}
const QUICK: Mode = {
  sizes: [1_000],
  phaseMs: 2_000,
  profile: { sizes: [1_000], phases: ['panFit'], ms: 2_000 },
  variantSizes: [1_000],
  quick: true,
  phases: ['pan100', 'zoom100', 'panFit', 'remoteFit'],
}

/** Wheel events per second, like a trackpad (each one awaits the renderer's ack, so a busy page gets fewer). */
const WHEEL_HZ = 60
/** Rate of a remote live drag: the editor writes a gesture to the document at most every 33 ms. */
const PEER_HZ = 30
/** The frame budget the target is stated in: p95 below this at 10 000 shapes. */
const TARGET_P95_MS = 33
const LOAD_TIMEOUT_MS = 180_000
const STEP_TIMEOUT_MS = 60_000
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
type Variant = { id: VariantId; label: string }
/** The phases the variants are run for. */
const VARIANT_PHASES: PhaseId[] = ['panFit', 'remoteFit']
const VARIANTS: Variant[] = [
  { id: 'noRecache', label: 'what-if: cached bitmap never re-rendered' },
  // The unpatched client once more: the spread between the two baseline rows is the noise level.
  { id: 'again', label: 'as built, again' },
]

/** The page side (`renderPage.ts`) as one script, evaluated in each page once the board has loaded. */
const PAGE_SCRIPT = (
  await esbuild.build({
    entryPoints: [path.join(import.meta.dirname, 'renderPage.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    write: false,
  })
).outputFiles[0]!.text

type PhaseResult = {
  n: number
  phase: PhaseId
  /** A {@link Variant} id, or null for the client as built. */
  variant: VariantId | null
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
  /** `plainCanvas` of the page at the fit zoom, where the variants run; null elsewhere. */
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

function processType(pid: number): string | null {
  try {
    return /--type=([a-z-]+)/.exec(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? null
  } catch {
    return null
  }
}

/** The browser's processes: every descendant of this process but the server. */
function browserPids(serverPid: number): { pid: number; type: string | null }[] {
  return descendants()
    .filter((pid) => pid !== serverPid)
    .map((pid) => ({ pid, type: processType(pid) }))
}

const sum = (pids: number[], cpu: (pid: number) => number | null) =>
  pids.reduce((total, pid) => total + (cpu(pid) ?? 0), 0)

/**
 * CPU of the server, the whole browser, the renderers' main threads and the GPU process (with
 * --disable-gpu it composites and may rasterise in software); the last two are parts of the browser.
 */
function cpuWindow(server: RunningServer) {
  const sources: Record<'server' | 'browser' | 'rendererMain' | 'gpu', CpuSource> = {
    server: server.cpuMs,
    browser: () =>
      sum(
        browserPids(server.pid).map((p) => p.pid),
        processCpuMs,
      ),
    rendererMain: () =>
      sum(
        browserPids(server.pid).flatMap((p) => (p.type === 'renderer' ? [p.pid] : [])),
        mainThreadCpuMs,
      ),
    gpu: () =>
      sum(
        browserPids(server.pid).flatMap((p) => (p.type === 'gpu-process' ? [p.pid] : [])),
        processCpuMs,
      ),
  }
  return new CpuWindow(sources, ['rendererMain', 'gpu'])
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
  const before = await settleMachine(mode.quick)
  if (variant) await page.evaluate((id) => window.__renderBench!.patch(id), variant.id)
  await page.mouse.move(VIEWPORT.width / 2, VIEWPORT.height / 2)
  await twoFrames(page)
  await page.evaluate(() => window.__renderBench!.start())
  const sampling = cpuWindow(server)
  const sent = await withControl(page, phase === 'zoom100', () => drive(page, phase, mode.phaseMs, peer))
  const cpu = sampling.stop()
  const durationMs = cpu.elapsedMs
  // Let the last input's frame land before stopping the recorder.
  await withTimeout(twoFrames(page), STEP_TIMEOUT_MS, 'last frame')
  const rec = await page.evaluate(() => window.__renderBench!.stop())
  if (variant) await page.evaluate(() => window.__renderBench!.unpatch())
  const rendererMainMs = cpu.pct.rendererMain === null ? null : (cpu.pct.rendererMain * durationMs) / 100

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
    browserCpuPct: cpu.pct.browser,
    // An update is one camera change (a wheel event the page received) or one peer edit sent.
    mainCpuMsPerUpdate:
      rendererMainMs === null ? null : rendererMainMs / Math.max(1, phase === 'remoteFit' ? sent : rec.wheel),
    mainCpuPct: cpu.pct.rendererMain,
    gpuCpuPct: cpu.pct.gpu,
    serverCpuPct: cpu.pct.server,
    otherCpuPct: cpu.otherPct,
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
    await twoFrames(page)
    await cdp.send('Profiler.start')
    await withControl(page, phase === 'zoom100', () => drive(page, phase, ms, peer))
    await withTimeout(twoFrames(page), STEP_TIMEOUT_MS, 'last frame')
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
  const painted = await withTimeout(twoFrames(page), STEP_TIMEOUT_MS, key)
  return painted - (await page.evaluate(() => window.__renderBench!.keyAt))
}

/** Resolves once the frame after the next one was produced, with its time in the page. */
function twoFrames(page: Page): Promise<number> {
  return page.evaluate(() => window.__renderBench!.twoFrames())
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

    await settleMachine(mode.quick)
    context = await browser.newContext({ viewport: VIEWPORT })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    const origin = server.wsUrl.replace(/^ws:/, 'http:').replace(/\/ws$/, '')
    await withTimeout(page.goto(`${origin}/b/${room}`), LOAD_TIMEOUT_MS, 'page load')
    await page.waitForFunction(() => window.__easel?.connection().synced === true, undefined, {
      polling: 50,
      timeout: LOAD_TIMEOUT_MS,
    })
    await page.evaluate(PAGE_SCRIPT)
    // The sync message carries the whole board, so `synced` means the editor has every shape.
    const load = await withTimeout(
      page.evaluate(({ count, ms }) => window.__renderBench!.waitForShapes(count, ms), {
        count: n,
        ms: LOAD_TIMEOUT_MS,
      }),
      LOAD_TIMEOUT_MS,
      'all shapes in the editor',
    )
    if (load.count !== n) throw new Error(`render: the page shows ${load.count} of ${n} shapes`)
    progress(
      `  page: all ${n} shapes after ${fixed(load.readyAt, 0)} ms, painted at ${fixed(load.paintedAt, 0)} ms`,
    )
    await page.evaluate(() => window.__renderBench!.instrument())
    // Read the bundle's source maps now, while they match what the page runs.
    const scripts = (await page.evaluate(() => [...document.scripts].map((s) => s.src))).filter(Boolean)
    for (const src of scripts) sourceMapFor(src)

    // The first zoom to fit mounts every shape: the time until all N are on screen.
    await page.mouse.move(VIEWPORT.width / 2, VIEWPORT.height / 2)
    const fitMs = await pressAndPaint(page, 'Shift+Digit1')
    const fitState = await page.evaluate(() => ({
      z: window.__easel!.camera().z,
      mounted: window.__renderBench!.lastMounted,
    }))
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
    for (const phase of mode.phases) await runPhase(phase)
    let plainCanvasMs: number | null = null
    if (mode.variantSizes.includes(n)) {
      for (const phase of VARIANT_PHASES) for (const v of VARIANTS) await runPhase(phase, v)
      await resetView(page, 'panFit')
      plainCanvasMs = await withTimeout(
        page.evaluate(({ width, height }) => window.__renderBench!.plainCanvas(width, height), VIEWPORT),
        STEP_TIMEOUT_MS,
        'plain canvas',
      )
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
    await peerRef.current?.destroy()
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

/**
 * A focused run for A/B work (with `--quick`): `EASEL_RENDER_SIZES=10000`,
 * `EASEL_RENDER_PHASES=panFit,remoteFit` (the phases measured, in the usual order),
 * `EASEL_RENDER_PROFILE=remoteFit` (the phases profiled at those sizes; `none` for none) and
 * `EASEL_RENDER_PHASE_MS=4000`. Unset variables keep the mode's defaults.
 */
function focused(mode: Mode, env: NodeJS.ProcessEnv): Mode {
  const list = (v: string | undefined) =>
    v
      ?.split(',')
      .map((x) => x.trim())
      .filter(Boolean)
  const phaseList = (v: string | undefined): PhaseId[] | undefined =>
    list(v)
      ?.map((p) => {
        if (p === 'none') return null
        if (!(p in PHASE_LABEL))
          throw new Error(`render: unknown phase ${p} (one of ${Object.keys(PHASE_LABEL)})`)
        return p as PhaseId
      })
      .filter((p): p is PhaseId => p !== null)
  const sizes = list(env.EASEL_RENDER_SIZES)?.map((x) => {
    const n = Number(x)
    if (!Number.isInteger(n) || n < 1) throw new Error(`render: EASEL_RENDER_SIZES: not a size: ${x}`)
    return n
  })
  const phaseMs = env.EASEL_RENDER_PHASE_MS ? Number(env.EASEL_RENDER_PHASE_MS) : mode.phaseMs
  if (!(phaseMs > 0))
    throw new Error(`render: EASEL_RENDER_PHASE_MS: not a duration: ${env.EASEL_RENDER_PHASE_MS}`)
  const profiled = phaseList(env.EASEL_RENDER_PROFILE)
  return {
    ...mode,
    sizes: sizes ?? mode.sizes,
    phaseMs,
    phases: phaseList(env.EASEL_RENDER_PHASES) ?? mode.phases,
    profile: {
      sizes: sizes ?? mode.profile.sizes,
      phases: profiled ?? mode.profile.phases,
      ms: mode.profile.ms,
    },
  }
}

async function run(options: BenchOptions) {
  const mode = focused(options.quick ? QUICK : FULL, process.env)
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
  const busy = all.filter((r) => (r.otherCpuPct ?? 0) > BUSY_OTHER_PCT)
  if (busy.length > 0) {
    notes.push(
      `Other processes used more than ${BUSY_OTHER_PCT}% of a core during: ${busy
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
        `machine. Before each phase a full run waits up to ${SETTLE_WAIT_MS / 1000} s for other processes to ` +
        `drop below ${BUSY_OTHER_PCT}% of a core. “Main-thread CPU ms / update” is the CPU time of the renderer's ` +
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
