import { describe, expect, it } from 'vitest'
import type { Shape } from '@easel/shared'
import { toSvg } from '../editor/exportImage.ts'
import { readThemeChoice, resolveTheme, THEME_KEY } from './theme.ts'

const stored = (v: string | null) => ({ getItem: (k: string) => (k === THEME_KEY ? v : null) })

describe('theme', () => {
  it('the stored choice wins; none (or garbage, or no storage) follows the system', () => {
    expect(readThemeChoice(stored('dark'))).toBe('dark')
    expect(readThemeChoice(stored('light'))).toBe('light')
    expect(readThemeChoice(stored(null))).toBe('system')
    expect(readThemeChoice(stored('purple'))).toBe('system')
    expect(readThemeChoice(null)).toBe('system')
    expect(
      readThemeChoice({
        getItem: () => {
          throw new Error('storage disabled')
        },
      }),
    ).toBe('system')
    expect(resolveTheme('system', true)).toBe('dark')
    expect(resolveTheme('system', false)).toBe('light')
    expect(resolveTheme('light', true)).toBe('light')
    expect(resolveTheme('dark', false)).toBe('dark')
  })

  it('exports are light unless a dark one is asked for', () => {
    const rect = {
      id: 'r1',
      kind: 'rect',
      x: 0,
      y: 0,
      w: 10,
      h: 10,
      rotation: 0,
      stroke: '#1e1e1e',
      fill: 'transparent',
      strokeWidth: 2,
      opacity: 1,
      text: '',
    } as unknown as Shape
    const light = toSvg([rect])
    expect(light).not.toContain('filter')
    expect(light).toContain('fill="#ffffff"')
    const dark = toSvg([rect], 32, true)
    expect(dark).toContain('<filter id="easel-dark"')
    expect(dark).toMatch(/<g filter="url\(#easel-dark\)">\s*<rect [^>]*fill="#ffffff"/)
  })
})
