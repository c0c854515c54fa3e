import { describe, expect, it } from 'vitest'
import { loadConfig, redactConfig } from './config.ts'

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

  it('never shows the secret or the admin token when logged', () => {
    const config = loadConfig([], { EASEL_SECRET: 's'.repeat(40), ADMIN_TOKEN: 'a'.repeat(20) })
    expect(config.secret).toBe('s'.repeat(40))
    const shown = JSON.stringify(redactConfig(config))
    expect(shown).not.toContain('s'.repeat(40))
    expect(shown).not.toContain('a'.repeat(20))
    expect(redactConfig(loadConfig([], {}))).toMatchObject({ adminToken: 'off' })
  })

  it('reads a boolean flag from its text', () => {
    expect(loadConfig([], { TRUST_PROXY: 'true' }).trustProxy).toBe(true)
    expect(loadConfig([], { TRUST_PROXY: 'false' }).trustProxy).toBe(false)
    expect(() => loadConfig([], { TRUST_PROXY: 'maybe' })).toThrow(/trustProxy/)
  })

  it('reads the observability flags: --no-metrics, --metrics-listen host:port, the dashboard interval', () => {
    expect(loadConfig([], {})).toMatchObject({ metrics: true, dashboardIntervalMs: 5000 })
    expect(loadConfig(['--no-metrics'], {}).metrics).toBe(false)
    expect(loadConfig([], { METRICS: 'false' }).metrics).toBe(false)
    expect(loadConfig(['--metrics-listen', '127.0.0.1:9464'], {}).metricsListen).toBe('127.0.0.1:9464')
    expect(loadConfig(['--metrics-listen', '[::1]:9464'], {}).metricsListen).toBe('[::1]:9464')
    expect(() => loadConfig(['--metrics-listen', '9464'], {})).toThrow(/metricsListen/)
    expect(loadConfig(['--dashboard-interval-ms', '50'], {}).dashboardIntervalMs).toBe(50)
  })

  it('reads the flush interval: off (0) by default, never negative or above 100 ms', () => {
    expect(loadConfig([], {}).flushIntervalMs).toBe(0)
    expect(loadConfig(['--flush-interval-ms', '8'], {}).flushIntervalMs).toBe(8)
    expect(loadConfig([], { FLUSH_INTERVAL_MS: '2.5' }).flushIntervalMs).toBe(2.5)
    expect(() => loadConfig([], { FLUSH_INTERVAL_MS: '-1' })).toThrow(/flushIntervalMs/)
    expect(() => loadConfig(['--flush-interval-ms', '500'], {})).toThrow(/flushIntervalMs/)
  })
})
