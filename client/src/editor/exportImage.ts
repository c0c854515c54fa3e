/**
 * Image export (SVG and PNG). Its own module so that the page loads it only when a user exports
 * (see ui/lazy.ts); the board file format is in exportBoard.ts.
 */
import type { Shape } from '@easel/shared'
import { SHAPES, shapeBounds } from '../shapes/index.ts'
import { unionBoxes } from './geometry.ts'

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
