import { describe, expect, it } from 'vitest'
import { toSvg } from '../editor/exportImage.ts'
import { SHAPES } from './index.ts'
import { STICKY_PADDING } from './sticky/index.tsx'
import { testShape } from './testShape.ts'
import {
  defaultMeasure,
  FALLBACK_ADVANCE,
  fallbackMeasure,
  layoutText,
  noteBox,
  textBox,
} from './textLayout.ts'

/** 20 px text: 12 px per character with the fallback measure. */
const CH = 20 * FALLBACK_ADVANCE
const lay = (text: string, chars: number) => layoutText(text, 20, chars * CH, fallbackMeasure).lines

describe('text layout', () => {
  it('measures with the fallback advance where there is no canvas (Node)', () => {
    expect(defaultMeasure()).toBe(fallbackMeasure)
    expect(fallbackMeasure('abc', 20)).toBeCloseTo(3 * CH)
  })

  it('wraps words greedily, dropping the spaces at the end of a line', () => {
    expect(lay('ab  ', 10)).toEqual(['ab'])
    expect(lay('aaaa bbbb cccc', 9)).toEqual(['aaaa bbbb', 'cccc'])
    expect(lay('aaaa bbbb cccc', 8)).toEqual(['aaaa', 'bbbb', 'cccc'])
    expect(lay('aaaa    bbbb', 9)).toEqual(['aaaa', 'bbbb'])
    expect(lay('one two three four five', 100)).toEqual(['one two three four five'])
  })

  it('keeps paragraphs and empty lines', () => {
    expect(lay('a\n\nb', 10)).toEqual(['a', '', 'b'])
    const l = layoutText('a\n\nb', 20, 200, fallbackMeasure)
    expect(l.height).toBe(3 * 25)
    expect(l.lineHeight).toBe(25)
  })

  it('breaks a word longer than a line between characters', () => {
    expect(lay('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)])
    // The long word goes on after what is on the line.
    expect(lay(`ab ${'y'.repeat(12)}`, 10)).toEqual([`ab ${'y'.repeat(7)}`, 'y'.repeat(5)])
    // Narrower than one character: one character per line, never none.
    expect(lay('abc', 0.1)).toEqual(['a', 'b', 'c'])
  })

  it('lays out empty text as one empty line', () => {
    const l = layoutText('', 20, 480, fallbackMeasure)
    expect(l.lines).toEqual([''])
    expect(l.width).toBe(0)
    expect(l.height).toBe(25)
  })

  it('never throws on odd widths and sizes', () => {
    for (const w of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(layoutText('hello world', 20, w, fallbackMeasure).lines.join('')).toContain('hello')
    }
    expect(layoutText('hi', Number.NaN, 100, fallbackMeasure).fontSize).toBe(20)
  })

  it('lays out 20 000 characters quickly, whatever they are', () => {
    const words = Array.from({ length: 4000 }, (_, i) => 'word'.slice(0, (i % 4) + 1)).join(' ')
    const cases = [words, 'z'.repeat(20_000), ' '.repeat(20_000), '\n'.repeat(20_000)]
    const t0 = performance.now()
    for (const text of cases) {
      for (const width of [1, 100, 480, 1e7]) {
        const l = layoutText(text, 20, width, fallbackMeasure)
        expect(l.lines.length).toBeGreaterThan(0)
        const tooWide = l.lines.filter((line) => fallbackMeasure(line, 20) > width && [...line].length > 1)
        expect(tooWide).toEqual([])
      }
    }
    expect(performance.now() - t0).toBeLessThan(2000)
  })

  it('every line fits and nothing but spaces at breaks is lost', () => {
    const text = 'The quick brown fox jumps over the lazy dog, supercalifragilisticexpialidocious!'
    for (let chars = 1; chars <= 40; chars++) {
      const lines = lay(text, chars)
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(chars)
      expect(lines.join('').replace(/ /g, '')).toBe(text.replace(/ /g, ''))
    }
  })
})

describe('text boxes', () => {
  const measure = fallbackMeasure
  it('grow with their text up to 24 ems, then wrap and grow in height', () => {
    const short = textBox({ text: 'Hello', fontSize: 20, w: 240 }, undefined, measure)
    expect(short.w).toBe(Math.ceil(5 * CH))
    expect(short.h).toBe(25)
    const long = textBox({ text: 'word '.repeat(60).trim(), fontSize: 20, w: 240 }, undefined, measure)
    expect(long.w).toBeLessThanOrEqual(480)
    expect(long.w).toBeGreaterThan(400)
    expect(long.h).toBe(long.layout.lines.length * 25)
    expect(long.layout.lines.length).toBeGreaterThan(5)
    // Scales with the font size.
    const big = textBox({ text: 'word '.repeat(60).trim(), fontSize: 40, w: 240 }, undefined, measure)
    expect(big.w).toBeGreaterThan(800)
    expect(big.w).toBeLessThanOrEqual(960)
  })

  it('an empty one is one em wide and one line high (room for the caret)', () => {
    expect(textBox({ text: '', fontSize: 20, w: 0 }, undefined, measure)).toMatchObject({ w: 20, h: 25 })
  })

  it('one whose width the user set keeps it and wraps inside it', () => {
    const b = textBox(
      { text: 'aaaa bbbb cccc', fontSize: 20, w: 9 * CH, fixedWidth: true },
      undefined,
      measure,
    )
    expect(b.w).toBe(9 * CH)
    expect(b.layout.lines).toEqual(['aaaa bbbb', 'cccc'])
    expect(b.h).toBe(50)
    // An odd stored width falls back to growing.
    expect(textBox({ text: 'ab', fontSize: 20, w: 0, fixedWidth: true }, undefined, measure).w).toBe(24)
  })

  it('a resize sets the width and the height follows the text', () => {
    const s = testShape({ kind: 'text', text: 'aaaa bbbb cccc', w: 18 * CH, h: 25, fontSize: 20 })
    const p = SHAPES.text.scale(s, 0.5, 3)
    expect(p).toEqual({ w: 9 * CH, h: 50, fixedWidth: true })
    expect(SHAPES.text.fitText!({ ...s, ...p }, 'aaaa bbbb cccc dddd')).toEqual({ w: 9 * CH, h: 50 })
    expect(SHAPES.text.fitText!(s, 'a')).toEqual({ w: 20, h: 25 })
  })
})

describe('sticky notes', () => {
  const note = (text: string, h = 200) => testShape({ kind: 'sticky', text, w: 200, h, fontSize: 20 })
  const twelve = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n')

  it('grow in height with their text and never get shorter by it', () => {
    expect(SHAPES.sticky.fitText!(note(''), 'short')).toEqual({ h: 200 })
    expect(SHAPES.sticky.fitText!(note(''), twelve)).toEqual({ h: 12 * 25 + 2 * STICKY_PADDING })
    // Text deleted again: the note keeps the height it has.
    expect(SHAPES.sticky.fitText!(note(twelve, 328), 'x')).toEqual({ h: 328 })
  })

  it('wrap inside their padding, the same in the layout, the SVG and the size', () => {
    const text = 'The quick brown fox jumps over the lazy dog and keeps running far away'
    const { layout, needed } = noteBox(note(text), STICKY_PADDING, text)
    const inner = 200 - 2 * STICKY_PADDING
    expect(layout.lines.length).toBeGreaterThan(3)
    for (const l of layout.lines) expect(fallbackMeasure(l, 20)).toBeLessThanOrEqual(inner)
    expect(needed).toBe(layout.lines.length * 25 + 2 * STICKY_PADDING)
    const svg = toSvg([note(text)])
    const tspans = [...svg.matchAll(/<tspan [^>]*>([^<]*)<\/tspan>/g)].map((m) => m[1])
    expect(tspans).toEqual(layout.lines)
  })

  it('a resize cannot make a note shorter than its text', () => {
    const s = note(twelve, 400)
    expect(SHAPES.sticky.scale(s, 1, 0.1)).toEqual({ w: 200, h: 12 * 25 + 2 * STICKY_PADDING })
    expect(SHAPES.sticky.scale(s, 2, 1.5)).toEqual({ w: 400, h: 600 })
  })

  it('draw all their text in the SVG, the note as tall as the text needs (no ellipsis)', () => {
    const svg = toSvg([note(twelve, 50)])
    expect(svg.match(/<tspan /g)).toHaveLength(12)
    expect(svg).toContain(`<rect width="200" height="${12 * 25 + 2 * STICKY_PADDING}"`)
    expect(svg).not.toContain('…')
  })
})
