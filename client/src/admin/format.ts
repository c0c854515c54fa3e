/** 1234 → "1.2k", 0.25 → "0.25": short enough for an axis. */
export function compact(v: number): string {
  const a = Math.abs(v)
  if (a >= 1e9) return `${trim(v / 1e9)}G`
  if (a >= 1e6) return `${trim(v / 1e6)}M`
  if (a >= 1e3) return `${trim(v / 1e3)}k`
  return trim(v)
}

function trim(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 2 : 1).replace(/\.?0+$/, '')
}

/** Bytes with a binary unit: 1536 → "1.5 KiB". */
export function bytes(v: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB']
  let i = 0
  let n = v
  while (Math.abs(n) >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return `${trim(n)} ${units[i]}`
}

/** A share as a percentage: 0.125 → "12.5 %". */
export function percent(v: number): string {
  return `${trim(v * 100)} %`
}

/** A duration since start: "3 d 4 h", "2 h 5 min", "4 min", "12 s". */
export function uptime(ms: number): string {
  const s = Math.floor(ms / 1000)
  const d = Math.floor(s / 86_400)
  const h = Math.floor((s % 86_400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d > 0) return `${d} d ${h} h`
  if (h > 0) return `${h} h ${m} min`
  if (m > 0) return `${m} min`
  return `${s} s`
}
