import { describe, expect, it } from 'vitest'
import { loadConfig } from './config.ts'

describe('loadConfig', () => {
  it('uses defaults, then env, then flags', () => {
    expect(loadConfig([], {}).port).toBe(8080)
    expect(loadConfig([], { PORT: '9000', DATA_DIR: '/x' })).toMatchObject({ port: 9000, dataDir: '/x' })
    expect(loadConfig(['--port', '7000', '--data', '/y'], { PORT: '9000' })).toMatchObject({
      port: 7000,
      dataDir: '/y',
    })
    expect(loadConfig(['--max-payload', '2048'], {}).maxPayload).toBe(2048)
  })

  it('rejects bad values and unknown flags with a readable message', () => {
    expect(() => loadConfig(['--port', 'abc'], {})).toThrow(/invalid configuration[\s\S]*port/)
    expect(() => loadConfig([], { SQLITE_SYNC: 'SOMETIMES' })).toThrow(/sqliteSync/)
    expect(() => loadConfig(['--nope', '1'], {})).toThrow(/nope/)
  })
})
