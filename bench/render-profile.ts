/**
 * Where a page's main-thread time goes: a V8 CPU profile (CDP `Profiler`) of the client bundle,
 * mapped back through its source map to the original files and grouped by library.
 */
import fs from 'node:fs'
import path from 'node:path'

/** The subset of a CDP `Profiler.Profile` that is used here. */
export type CpuProfile = {
  nodes: {
    id: number
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
    children?: number[]
  }[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

type Segment = { col: number; src: number; line: number; srcCol: number }

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** A version-3 source map, decoded enough to map a generated position to its original file and line. */
export class SourceMap {
  readonly sources: string[]
  private readonly content: (string[] | null)[]
  private readonly lines: Segment[][] = []

  constructor(json: { sources: string[]; sourcesContent?: (string | null)[]; mappings: string }) {
    this.sources = json.sources
    this.content = (json.sourcesContent ?? []).map((c) => (c == null ? null : c.split('\n')))
    const digit = new Map([...B64].map((c, i) => [c, i]))
    let src = 0
    let line = 0
    let srcCol = 0
    for (const lineText of json.mappings.split(';')) {
      const segments: Segment[] = []
      let col = 0
      for (const seg of lineText.split(',')) {
        if (!seg) continue
        const values: number[] = []
        let value = 0
        let shift = 0
        for (const ch of seg) {
          const d = digit.get(ch) ?? 0
          value += (d & 31) << shift
          if (d & 32) {
            shift += 5
          } else {
            values.push(value & 1 ? -(value >>> 1) : value >>> 1)
            value = 0
            shift = 0
          }
        }
        col += values[0] ?? 0
        if (values.length >= 4) {
          src += values[1]!
          line += values[2]!
          srcCol += values[3]!
          segments.push({ col, src, line, srcCol })
        }
      }
      this.lines.push(segments)
    }
  }

  /** Original position of a generated one (both 0-based), or null. */
  lookup(line: number, col: number): { source: string; line: number; text: string } | null {
    const segs = this.lines[line]
    if (!segs || segs.length === 0) return null
    let lo = 0
    let hi = segs.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (segs[mid]!.col <= col) lo = mid
      else hi = mid - 1
    }
    const s = segs[lo]!
    return {
      source: this.sources[s.src] ?? '?',
      line: s.line,
      text: this.content[s.src]?.[s.line]?.trim() ?? '',
    }
  }
}

/**
 * Source map of a script served from `client/dist`, by its URL; null for other scripts. Maps are
 * cached on first use: call it once right after a page loaded, in case the client is rebuilt later.
 */
export function distSourceMapLoader(distDir: string): (url: string) => SourceMap | null {
  const cache = new Map<string, SourceMap | null>()
  return (url) => {
    if (cache.has(url)) return cache.get(url)!
    let map: SourceMap | null = null
    try {
      const file = path.join(distDir, new URL(url).pathname)
      if (file.startsWith(distDir) && fs.existsSync(`${file}.map`)) {
        const json = JSON.parse(fs.readFileSync(`${file}.map`, 'utf8'))
        // Sources are relative to the map; make them relative to the repository root.
        const root = path.resolve(distDir, '../..')
        const base = path.resolve(path.dirname(file), json.sourceRoot ?? '')
        json.sources = (json.sources as string[]).map((s) => path.relative(root, path.resolve(base, s)))
        map = new SourceMap(json)
      }
    } catch {
      map = null
    }
    cache.set(url, map)
    return map
  }
}

/** Native methods of CanvasRenderingContext2D that show up as their own profile nodes. */
const CANVAS_METHODS = new Set(
  (
    'save restore fill stroke fillText strokeText measureText beginPath closePath moveTo lineTo arc arcTo ' +
    'ellipse bezierCurveTo quadraticCurveTo rect roundRect setTransform resetTransform transform translate ' +
    'scale rotate clearRect fillRect strokeRect drawImage clip setLineDash getLineDash createLinearGradient ' +
    'createRadialGradient createPattern getImageData putImageData isPointInPath getContextAttributes reset'
  ).split(' '),
)

/** Buckets of main-thread time, in display order. */
export const CATEGORIES = [
  'Konva (scene graph)',
  'canvas 2D API calls',
  'React + react-konva',
  'Editor (culling, geometry)',
  'Canvas/ShapeView components',
  'perfect-freehand (pen outlines)',
  'zod',
  'Yjs / sync',
  'other JS',
  'garbage collection',
  'browser native (style, layout, paint, raster)',
  'idle',
] as const
export type Category = (typeof CATEGORIES)[number]

function categorize(source: string | null, functionName: string): Category {
  if (functionName === '(idle)') return 'idle'
  if (functionName === '(program)') return 'browser native (style, layout, paint, raster)'
  if (functionName === '(garbage collector)') return 'garbage collection'
  if (source === null) return CANVAS_METHODS.has(functionName) ? 'canvas 2D API calls' : 'other JS'
  if (/\/konva\//.test(source)) return 'Konva (scene graph)'
  if (/\/(react-dom|react-reconciler|react-konva|scheduler|react)\//.test(source))
    return 'React + react-konva'
  if (/client\/src\/editor\//.test(source)) return 'Editor (culling, geometry)'
  if (/client\/src\/canvas\//.test(source) || /client\/src\/[^/]+\.tsx$/.test(source)) {
    return 'Canvas/ShapeView components'
  }
  if (/perfect-freehand/.test(source)) return 'perfect-freehand (pen outlines)'
  if (/\/zod\//.test(source)) return 'zod'
  if (/\/(yjs|lib0|y-protocols|y-websocket|y-indexeddb)\//.test(source)) return 'Yjs / sync'
  return 'other JS'
}

/** Short display form of an original source path (`konva/lib/Shape.js`, `client/src/…`). */
function shortSource(source: string): string {
  const nm = source.lastIndexOf('node_modules/')
  if (nm >= 0) return source.slice(nm + 'node_modules/'.length)
  const i = source.indexOf('client/src/')
  if (i >= 0) return source.slice(i)
  const j = source.indexOf('shared/src/')
  if (j >= 0) return source.slice(j)
  return source.replace(/^(\.\.\/)+/, '')
}

export type FunctionTime = { fn: string; where: string; category: Category; ms: number; pct: number }

/**
 * Named stages of a frame, found by original file and the start of the function's first line:
 * their inclusive time answers "how long in React / in Konva's draw / in culling".
 */
export const STAGES: { label: string; file: RegExp; fn: RegExp }[] = [
  {
    label: 'wheel handler (Canvas onWheel → editor.panBy/zoomTo)',
    file: /client\/src\/canvas\/Canvas\.tsx/,
    fn: /^const onWheel/,
  },
  {
    label: 'React render + commit (performWorkOnRoot)',
    file: /react-dom/,
    fn: /^function performWorkOnRoot\(/,
  },
  {
    label: '· Canvas component render',
    file: /client\/src\/canvas\/Canvas\.tsx/,
    fn: /^export function Canvas\(/,
  },
  {
    label: '· · culling (editor.getVisibleShapes / shapesInBox)',
    file: /client\/src\/editor\/Editor\.ts/,
    fn: /^(getVisibleShapes|shapesInBox)\(/,
  },
  {
    label: '· · · shapeBounds',
    file: /client\/src\/shapes\/index\.ts/,
    fn: /^export function shapeBounds\(/,
  },
  { label: '· ShapeView render', file: /client\/src\/canvas\/ShapeView\.tsx/, fn: /function ShapeView\(/ },
  {
    label: '· · penOutline (perfect-freehand)',
    file: /client\/src\/shapes\/pen\/outline\.ts/,
    fn: /^export function penOutline\(/,
  },
  { label: '· React commit (commitRoot)', file: /react-dom/, fn: /^function commitRoot\(/ },
  { label: 'Konva layer draw (Layer#drawScene)', file: /konva\/lib\/Layer\.js/, fn: /^drawScene\(/ },
  { label: 'Konva Text _sceneFunc (sticky text)', file: /konva\/lib\/shapes\/Text\.js/, fn: /^_sceneFunc\(/ },
  { label: 'Konva Node#cache (re-render into a bitmap)', file: /konva\/lib\/Node\.js/, fn: /^cache\(/ },
  { label: 'zod safeParse', file: /\/zod\//, fn: /safeParse/ },
]

export type ProfileSummary = {
  wallMs: number
  /** Inclusive time of each of {@link STAGES}. */
  stages: { label: string; ms: number; pct: number }[]
  categories: { category: Category; ms: number; pct: number }[]
  /** Functions by self time. */
  self: FunctionTime[]
  /** Functions by inclusive (self + callees) time, bundle code only. */
  inclusive: FunctionTime[]
}

/** Self and inclusive time per original function, and self time per category. */
export function summarizeProfile(
  profile: CpuProfile,
  mapFor: (url: string) => SourceMap | null,
  top = 25,
): ProfileSummary {
  type Info = { key: string; fn: string; where: string; category: Category; mapped: boolean }
  const info = new Map<number, Info>()
  const parent = new Map<number, number>()
  for (const node of profile.nodes) {
    for (const c of node.children ?? []) parent.set(c, node.id)
    const { functionName, url, lineNumber, columnNumber } = node.callFrame
    const map = url ? mapFor(url) : null
    const pos = map ? map.lookup(lineNumber, columnNumber) : null
    const name = functionName || '(anonymous)'
    if (pos) {
      const where = `${shortSource(pos.source)}:${pos.line + 1}`
      // Minified names say nothing; the original line names the function.
      const fn = pos.text.length > 70 ? `${pos.text.slice(0, 67)}…` : pos.text || name
      info.set(node.id, { key: where, fn, where, category: categorize(pos.source, name), mapped: true })
    } else {
      const where = url ? `${url.replace(/^.*\//, '')}:${lineNumber + 1}` : ''
      const key = `${name}@${where}`
      info.set(node.id, { key, fn: name, where, category: categorize(null, name), mapped: false })
    }
  }
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  const self = new Map<string, number>()
  const incl = new Map<string, number>()
  const byCat = new Map<Category, number>()
  const meta = new Map<string, Info>()
  let total = 0
  for (let i = 0; i < samples.length; i++) {
    // A sample lasts until the next one; the last has no successor and is dropped.
    const us = deltas[i + 1]
    if (us === undefined) break
    const ms = us / 1000
    total += ms
    const id = samples[i]!
    const leaf = info.get(id)
    if (!leaf) continue
    meta.set(leaf.key, leaf)
    self.set(leaf.key, (self.get(leaf.key) ?? 0) + ms)
    byCat.set(leaf.category, (byCat.get(leaf.category) ?? 0) + ms)
    const seen = new Set<string>()
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const f = info.get(n)
      if (!f?.mapped || seen.has(f.key)) continue
      seen.add(f.key)
      meta.set(f.key, f)
      incl.set(f.key, (incl.get(f.key) ?? 0) + ms)
    }
  }
  const pct = (ms: number) => (total > 0 ? (ms / total) * 100 : 0)
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, ms]) => {
        const f = meta.get(key)!
        return { fn: f.fn, where: f.where, category: f.category, ms, pct: pct(ms) }
      })
  const stageMs = (st: (typeof STAGES)[number]) => {
    let ms = 0
    for (const [key, t] of incl) {
      const f = meta.get(key)!
      if (st.file.test(f.where) && st.fn.test(f.fn)) ms += t
    }
    return ms
  }
  return {
    wallMs: total,
    stages: STAGES.map((st) => ({ label: st.label, ms: stageMs(st), pct: pct(stageMs(st)) })),
    categories: CATEGORIES.map((category) => ({
      category,
      ms: byCat.get(category) ?? 0,
      pct: pct(byCat.get(category) ?? 0),
    })),
    self: rank(new Map([...self].filter(([k]) => meta.get(k)?.category !== 'idle'))),
    inclusive: rank(incl),
  }
}
