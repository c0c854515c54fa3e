import { z } from 'zod'
import { crdtProps, SCHEMA_VERSION, type Shape, versionedValues } from '@easel/shared'
import { SHAPES, shapeBounds } from '../shapes/index.ts'
import type { ClipboardData } from './Editor.ts'
import { unionBoxes } from './geometry.ts'

/** The JSON file format: shapes with their tier-1 props and their text. */
export const boardFile = z.object({
  type: z.literal('easel/board'),
  schemaVersion: z.number().int(),
  shapes: z
    .array(crdtProps.extend({ id: z.string().max(64), text: versionedValues.shape.text.unwrap().optional() }))
    .max(100_000),
})
export type BoardFile = z.infer<typeof boardFile>

export function toBoardFile(shapes: readonly Shape[]): BoardFile {
  return {
    type: 'easel/board',
    schemaVersion: SCHEMA_VERSION,
    shapes: shapes.map((s) => ({ ...crdtProps.parse(s), id: s.id, ...(s.text ? { text: s.text } : {}) })),
  }
}

/** Parses an exported file; throws an Error whose message says what is wrong. */
export function parseBoardFile(text: string): ClipboardData {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new Error('The file is not JSON.')
  }
  const parsed = boardFile.safeParse(raw)
  if (!parsed.success) throw new Error(`Not an Easel board file: ${z.prettifyError(parsed.error)}`)
  if (parsed.data.schemaVersion > SCHEMA_VERSION) {
    throw new Error(`The file was made by a newer Easel (schema v${parsed.data.schemaVersion}).`)
  }
  return { type: 'easel/shapes', shapes: parsed.data.shapes }
}

/**
 * The dark theme as an SVG filter: what the canvas's CSS filter does on screen (invert 93 %, then
 * turn hues back by 180°), so a dark export looks like the dark board. sRGB, as CSS filters are.
 */
const DARK_FILTER = `<filter id="easel-dark" color-interpolation-filters="sRGB">
<feComponentTransfer><feFuncR type="linear" slope="-0.86" intercept="0.93"/><feFuncG type="linear" slope="-0.86" intercept="0.93"/><feFuncB type="linear" slope="-0.86" intercept="0.93"/></feComponentTransfer>
<feColorMatrix type="hueRotate" values="180"/>
</filter>`

/**
 * A standalone SVG document of the shapes (vector; text as SVG text with simple wrapping). Light
 * unless `dark` (the user asked for a dark export).
 */
export function toSvg(shapes: readonly Shape[], padding = 32, dark = false): string {
  const box = unionBoxes(shapes.map(shapeBounds)) ?? { x: 0, y: 0, w: 100, h: 100 }
  const vb = { x: box.x - padding, y: box.y - padding, w: box.w + padding * 2, h: box.h + padding * 2 }
  const parts: string[] = []
  for (const s of shapes) {
    const t = `translate(${s.x} ${s.y}) rotate(${s.rotation})`
    parts.push(`<g transform="${t}" opacity="${s.opacity}">${SHAPES[s.kind].toSvg(s)}</g>`)
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${vb.w}" height="${vb.h}" viewBox="${vb.x} ${vb.y} ${vb.w} ${vb.h}">
${dark ? `${DARK_FILTER}\n<g filter="url(#easel-dark)">` : ''}
<rect x="${vb.x}" y="${vb.y}" width="${vb.w}" height="${vb.h}" fill="#ffffff"/>
${parts.join('\n')}
${dark ? '</g>' : ''}
</svg>
`
}

/** Rasterises the SVG export to a PNG blob in the browser (2x for crispness). */
export async function toPng(shapes: readonly Shape[], scale = 2, dark = false): Promise<Blob> {
  const svg = toSvg(shapes, 32, dark)
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }))
  try {
    const img = new Image()
    img.src = url
    await img.decode()
    const canvas = document.createElement('canvas')
    canvas.width = Math.ceil(img.width * scale)
    canvas.height = Math.ceil(img.height * scale)
    const ctx = canvas.getContext('2d')!
    ctx.scale(scale, scale)
    ctx.drawImage(img, 0, 0)
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'),
    )
  } finally {
    URL.revokeObjectURL(url)
  }
}

/** Saves shapes as the board file `easel-<room>.json` (what "Import JSON" reads back). */
export function downloadBoardFile(room: string, shapes: readonly Shape[]): void {
  download(`easel-${room}.json`, JSON.stringify(toBoardFile(shapes), null, 2), 'application/json')
}

export function download(name: string, data: Blob | string, type = 'application/octet-stream'): void {
  const blob = typeof data === 'string' ? new Blob([data], { type }) : data
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
