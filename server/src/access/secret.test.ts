import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from '@easel/testkit/serverProcess.ts'
import { describe, expect, it } from 'vitest'
import { deriveKey, loadSecret, SECRET_FILE } from './secret.ts'

describe('loadSecret', () => {
  it('generates a secret on first start, stores it for the owner only, and reads it back', () => {
    const dir = tempDir()
    const first = loadSecret(undefined, dir)
    expect(first.length).toBe(32)
    expect(fs.statSync(path.join(dir, SECRET_FILE)).mode & 0o777).toBe(0o600)
    expect(Buffer.from(loadSecret(undefined, dir)).equals(Buffer.from(first))).toBe(true)
    expect(Buffer.from(loadSecret(undefined, tempDir())).equals(Buffer.from(first))).toBe(false)
  })

  it('refuses an empty secret.key, naming the file', () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, SECRET_FILE), '\n')
    expect(() => loadSecret(undefined, dir)).toThrow(path.join(dir, SECRET_FILE))
  })

  it('refuses a truncated secret.key (fewer than 32 bytes), naming the file', () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, SECRET_FILE), `${randomBytes(31).toString('base64url')}\n`)
    expect(() => loadSecret(undefined, dir)).toThrow(/secret\.key holds a 31-byte secret/)
  })

  it('refuses a configured secret shorter than 32 characters', () => {
    expect(() => loadSecret('x'.repeat(31), tempDir())).toThrow(/at least 32 characters/)
  })

  it('leaves no temporary file beside the generated secret.key', () => {
    const dir = tempDir()
    loadSecret(undefined, dir)
    expect(fs.readdirSync(dir)).toEqual([SECRET_FILE])
  })

  it('uses the configured secret and writes nothing', () => {
    const dir = tempDir()
    const s = loadSecret('x'.repeat(32), dir)
    expect(new TextDecoder().decode(s)).toBe('x'.repeat(32))
    expect(fs.existsSync(path.join(dir, SECRET_FILE))).toBe(false)
  })

  it('derives a different key per purpose', () => {
    const s = loadSecret('y'.repeat(32), tempDir())
    expect(Buffer.from(deriveKey(s, 'links')).equals(Buffer.from(deriveKey(s, 'resume')))).toBe(false)
    expect(Buffer.from(deriveKey(s, 'links')).equals(Buffer.from(deriveKey(s, 'links')))).toBe(true)
  })
})
