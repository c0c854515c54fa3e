import { describe, expect, it } from 'vitest'
import { type Chart, renderChart } from './chart.ts'

const circles = (svg: string) =>
  [...svg.matchAll(/<circle cx="([\d.-]+)" cy="([\d.-]+)"/g)].map((m) => [Number(m[1]), Number(m[2])])
const tickLabels = (svg: string, anchor: 'end' | 'middle') =>
  [...svg.matchAll(new RegExp(`text-anchor="${anchor}"[^>]*fill="#555">([^<]+)<`, 'g'))].map((m) => m[1])

const base: Chart = {
  name: 'join',
  title: 'Join time against board size',
  xLabel: 'shapes',
  yLabel: 'seconds',
  series: [
    {
      label: 'reference',
      points: [
        [1000, 0.2],
        [10_000, 1],
        [50_000, 4],
      ],
    },
    {
      label: 'easel',
      points: [
        [50_000, 3],
        [1000, 0.1],
        [10_000, 0.8],
      ],
      dashed: true,
    },
  ],
}

describe('renderChart', () => {
  it('draws every point inside the plot, x in order, larger y higher up', () => {
    const svg = renderChart(base)
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    const pts = circles(svg)
    expect(pts).toHaveLength(6)
    for (const [x, y] of pts) {
      expect(x).toBeGreaterThanOrEqual(0)
      expect(y).toBeGreaterThanOrEqual(0)
    }
    const easel = pts.slice(3) // sorted by x although given out of order
    expect(easel[0]![0]).toBeLessThan(easel[1]![0]!)
    expect(easel[1]![0]).toBeLessThan(easel[2]![0]!)
    expect(easel[2]![1]).toBeLessThan(easel[0]![1]!) // 3 s is drawn above 0.1 s
    expect(svg).toContain('stroke-dasharray')
    expect(svg).toContain('>easel<')
  })

  it('gives the series of one group one colour', () => {
    const stroke = (svg: string) =>
      [...svg.matchAll(/<path d="[^"]+" fill="none" stroke="(#\w+)"/g)].map((m) => m[1])
    const grouped = renderChart({
      ...base,
      series: [
        {
          label: 'reference p50',
          group: 'reference',
          points: [
            [1, 1],
            [2, 2],
          ],
        },
        {
          label: 'reference p99',
          group: 'reference',
          dashed: true,
          points: [
            [1, 2],
            [2, 4],
          ],
        },
        {
          label: 'easel p50',
          group: 'easel',
          points: [
            [1, 1],
            [2, 1],
          ],
        },
      ],
    })
    const [r50, r99, e50] = stroke(grouped)
    expect(r50).toBe(r99)
    expect(e50).not.toBe(r50)
  })

  it('uses decades on a log axis and says so', () => {
    const svg = renderChart({ ...base, logX: true, logY: true })
    const xs = tickLabels(svg, 'middle')
    expect(xs).toContain('1k')
    expect(xs).toContain('10k')
    expect(svg).toContain('shapes (log scale)')
    // Equal ratios are equal distances: 1k → 10k against 10k → 50k is log 10 : log 5.
    const [a, b, c] = circles(svg)
    expect((b![0]! - a![0]!) / (c![0]! - b![0]!)).toBeCloseTo(Math.log(10) / Math.log(5), 2)
  })

  it('skips points it cannot draw and escapes text', () => {
    const svg = renderChart({
      ...base,
      title: 'p99 <ms> & "clients"',
      logY: true,
      series: [
        {
          label: 'a<b',
          points: [
            [1, 0],
            [2, Number.NaN],
            [3, 5],
            [4, 10],
          ],
        },
      ],
    })
    expect(circles(svg)).toHaveLength(2) // 0 has no place on a log axis, NaN none anywhere
    expect(svg).toContain('p99 &lt;ms&gt; &amp; &quot;clients&quot;')
    expect(svg).toContain('a&lt;b')
    expect(svg).not.toContain('NaN')
  })

  it('draws a chart with a single point or no points at all', () => {
    expect(circles(renderChart({ ...base, series: [{ label: 'one', points: [[5, 5]] }] }))).toHaveLength(1)
    const empty = renderChart({ ...base, series: [] })
    expect(empty).not.toContain('NaN')
    expect(empty).toContain('</svg>')
  })
})
