import { z } from 'zod'
import { crdtProps, SCHEMA_VERSION, type Shape, versionedValues } from '@easel/shared'
import { penOutline } from '../canvas/penOutline.ts'
import type { ClipboardData } from './Editor.ts'
import { shapeBounds, unionBoxes } from './geometry.ts'

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

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function colorAttr(c: string): string {
  return c === 'transparent' ? 'none' : c
}

/** A standalone SVG document of the shapes (vector; text as SVG text with simple wrapping). */
export function toSvg(shapes: readonly Shape[], padding = 32): string {
  const box = unionBoxes(shapes.map(shapeBounds)) ?? { x: 0, y: 0, w: 100, h: 100 }
  const vb = { x: box.x - padding, y: box.y - padding, w: box.w + padding * 2, h: box.h + padding * 2 }
  const parts: string[] = []
  for (const s of shapes) {
    const t = `translate(${s.x} ${s.y}) rotate(${s.rotation})`
    const stroke = `stroke="${colorAttr(s.stroke)}" stroke-width="${s.strokeWidth}"`
    const fill = `fill="${colorAttr(s.fill)}"`
    let body = ''
    switch (s.kind) {
      case 'rect':
        body = `<rect width="${s.w}" height="${s.h}" rx="4" ${stroke} ${fill}/>`
        break
      case 'ellipse':
        body = `<ellipse cx="${s.w / 2}" cy="${s.h / 2}" rx="${s.w / 2}" ry="${s.h / 2}" ${stroke} ${fill}/>`
        break
      case 'line':
      case 'arrow': {
        const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = s.points ?? []
        body = `<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y1}" ${stroke} stroke-linecap="round"/>`
        if (s.kind === 'arrow') {
          const a = Math.atan2(y1 - y0, x1 - x0)
          const len = 10 + s.strokeWidth * 2
          const p = (d: number) => `${x1 - len * Math.cos(a + d)},${y1 - len * Math.sin(a + d)}`
          body += `<polygon points="${x1},${y1} ${p(0.45)} ${p(-0.45)}" fill="${colorAttr(s.stroke)}"/>`
        }
        break
      }
      case 'pen': {
        const o = penOutline(s.points ?? [], s.strokeWidth)
        const pts: string[] = []
        for (let i = 0; i + 1 < o.length; i += 2) pts.push(`${o[i]!.toFixed(2)},${o[i + 1]!.toFixed(2)}`)
        body = `<polygon points="${pts.join(' ')}" fill="${colorAttr(s.stroke)}"/>`
        break
      }
      case 'text':
      case 'sticky': {
        const pad = s.kind === 'sticky' ? 14 : 0
        const size = s.fontSize ?? 20
        if (s.kind === 'sticky') {
          body += `<rect width="${s.w}" height="${s.h}" rx="6" fill="${colorAttr(s.fill === 'transparent' ? '#fff3a3' : s.fill)}"/>`
        }
        const color = s.kind === 'sticky' ? '#1e1e1e' : colorAttr(s.stroke)
        const lines = s.text.split('\n')
        body += `<text x="${pad}" y="${pad}" font-family="system-ui, sans-serif" font-size="${size}" fill="${color}" dominant-baseline="hanging">${lines
          .map((l, i) => `<tspan x="${pad}" dy="${i === 0 ? 0 : size * 1.25}">${esc(l)}</tspan>`)
          .join('')}</text>`
        break
      }
    }
    parts.push(`<g transform="${t}" opacity="${s.opacity}">${body}</g>`)
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${vb.w}" height="${vb.h}" viewBox="${vb.x} ${vb.y} ${vb.w} ${vb.h}">
<rect x="${vb.x}" y="${vb.y}" width="${vb.w}" height="${vb.h}" fill="#ffffff"/>
${parts.join('\n')}
</svg>
`
}

/** Rasterises the SVG export to a PNG blob in the browser (2x for crispness). */
export async function toPng(shapes: readonly Shape[], scale = 2): Promise<Blob> {
  const svg = toSvg(shapes)
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
