import type { Shape } from '@easel/shared'

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export function colorAttr(c: string): string {
  return c === 'transparent' ? 'none' : c
}

/** Stroke and fill attributes of an outlined shape (rectangle, ellipse, diamond). */
export function outlineAttrs(s: Shape): string {
  return `stroke="${colorAttr(s.stroke)}" stroke-width="${s.strokeWidth}" fill="${colorAttr(s.fill)}"`
}
