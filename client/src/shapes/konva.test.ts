import fs from 'node:fs'
import path from 'node:path'
import Konva from 'konva/lib/Core.js'
import { describe, expect, it } from 'vitest'
import * as kit from './konva.ts'

const SRC = path.resolve(import.meta.dirname, '..')

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return sources(p)
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : []
  })
}

describe('Konva components (shapes/konva.ts)', () => {
  it('registers every node type it exports (react-konva creates nodes by that name)', () => {
    const components = Object.entries(kit).filter(([name, v]) => /^[A-Z]/.test(name) && typeof v === 'string')
    expect(components.length).toBeGreaterThan(5)
    const registry = Konva as unknown as Record<string, unknown>
    for (const [name] of components) expect(typeof registry[name], name).toBe('function')
  })

  it('is the only place the client takes Konva values from (react-konva and konva pull in every shape and filter)', () => {
    const offenders = sources(SRC).filter((file) => {
      if (file === path.join(SRC, 'shapes/konva.ts')) return false
      const text = fs.readFileSync(file, 'utf8')
      return /^import (?!type )[^\n]*from '(react-konva|konva)'/m.test(text)
    })
    expect(offenders.map((f) => path.relative(SRC, f))).toEqual([])
  })
})
