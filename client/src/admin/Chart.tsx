import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { useTheme } from '../ui/theme.ts'
import { compact } from './format.ts'

export type ChartSeries = {
  label: string
  values: (number | null)[]
  color: string
  /** Dashed (a percentile beside its median, an outgoing rate beside the incoming one). */
  dash?: boolean
  /** A filled area under the line. */
  fill?: boolean
  /** Dots at the values (a sparse series: an interval alone between gaps is a dot, not nothing). */
  points?: boolean
}

type ChartProps = {
  /** Sample times, seconds since the epoch. */
  x: number[]
  series: ChartSeries[]
  /** What the y axis counts, shown as its label ("conflicts / min", "ms"). */
  unit: string
  /** Formats a y value for the axis and the legend. */
  format?: (v: number) => string
  height?: number
}

/** Reads a theme colour from the CSS variables (styles.css), so the charts follow light and dark. */
function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888'
}

/**
 * A uPlot time series. The plot is built once per set of series (labels) and theme, then fed new
 * data in place on every poll; it follows its container's width (ResizeObserver).
 */
export function Chart({ x, series, unit, format = compact, height = 200 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const { theme } = useTheme()
  const shape = series.map((s) => `${s.label}|${s.color}|${s.dash}|${s.fill}|${s.points}`).join(',')
  const data = [x, ...series.map((s) => s.values)] as uPlot.AlignedData
  const latest = useRef(data)
  latest.current = data

  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt when the series' look or the theme changes; the data goes in through setData
  useEffect(() => {
    const el = box.current
    if (!el) return
    const axisColour = cssVar('--muted')
    const gridColour = cssVar('--border')
    const font = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
    const axis = {
      stroke: axisColour,
      font,
      labelFont: font,
      grid: { stroke: gridColour, width: 1 },
      ticks: { stroke: gridColour, width: 1, size: 4 },
    }
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      cursor: { drag: { x: false, y: false } },
      legend: { show: true, live: false },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { ...axis, space: 80, values: (_u, ticks) => ticks.map(clock) },
        {
          ...axis,
          label: unit,
          labelSize: 18,
          size: 52,
          values: (_u, ticks) => ticks.map(format),
        },
      ],
      series: [
        { label: 'time' },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          dash: s.dash ? [6, 4] : undefined,
          fill: s.fill ? `${s.color}22` : undefined,
          spanGaps: false,
          points: { show: !!s.points, size: 6, fill: s.color },
        })),
      ],
    }
    const u = new uPlot(opts, latest.current, el)
    plot.current = u
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth)
      if (w !== u.width) u.setSize({ width: w, height })
    })
    ro.observe(el)
    return () => {
      ro.disconnect()
      u.destroy()
      plot.current = null
    }
  }, [shape, theme, unit, height])

  useEffect(() => {
    plot.current?.setData(data)
  })

  return <div className="admin-chart" ref={box} />
}

/** A tick of the time axis: the wall-clock time, to the second (one line, whatever the span). */
function clock(t: number): string {
  return new Date(t * 1000).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  })
}
