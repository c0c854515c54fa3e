import os from 'node:os'
import path from 'node:path'
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { SqlitePersistence } from './SqlitePersistence.ts'

const file = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'easel-sqlite-')), 'db.sqlite')

describe('SqlitePersistence', () => {
  it('appends, compacts and reloads across reopen without losing or reordering updates', () => {
    const f = file()
    const doc = new Y.Doc()
    let p = new SqlitePersistence(f)
    doc.on('update', (u: Uint8Array) => p.append('r', u))
    const arr = doc.getArray<number>('a')
    for (let i = 0; i < 10; i++) arr.push([i])
    expect(p.logLength('r')).toBe(10)
    p.compact('r', Y.encodeStateAsUpdate(doc))
    expect(p.logLength('r')).toBe(0)
    for (let i = 10; i < 15; i++) arr.push([i])
    p.close()

    p = new SqlitePersistence(f)
    expect(p.logLength('r')).toBe(5)
    const stored = p.load('r')
    expect(stored).toHaveLength(6)
    const copy = new Y.Doc()
    for (const u of stored) Y.applyUpdate(copy, u)
    expect(copy.getArray('a').toArray()).toEqual([...Array(15).keys()])
    // Appends after reopen continue the sequence instead of colliding with it.
    doc.off('update', () => {})
    p.append('r', Y.encodeStateAsUpdate(doc))
    expect(p.logLength('r')).toBe(6)
    p.close()
  })

  it('keeps rooms apart', () => {
    const p = new SqlitePersistence(file())
    p.append('a', Uint8Array.of(0, 0))
    expect(p.load('b')).toEqual([])
    expect(p.load('a')).toHaveLength(1)
    p.close()
  })
})
