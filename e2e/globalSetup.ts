import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '..')

/**
 * Starts the real server (built client included) on a free port with a fresh data directory and
 * exposes its URL to the tests as EASEL_URL. Returns the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!fs.existsSync(path.join(ROOT, 'client/dist/index.html'))) {
    throw new Error('client/dist is missing: run `pnpm build` first (pnpm test:e2e does)')
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'easel-e2e-'))
  // One node process with tsx as a loader (the tsx CLI forks a child), so the signal at teardown
  // reaches the server itself.
  const args = ['--port', '0', '--host', '127.0.0.1', '--data', dataDir, '--log-level', 'warn']
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/src/main.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: path.join(ROOT, 'server'),
    env: { ...process.env, ...e2eServerEnv() },
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    proc.stdout!.on('data', (d) => {
      out += d
      const m = /Easel listening on (\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    proc.once('exit', (code) => reject(new Error(`server exited early with ${code}`)))
  })
  process.env.EASEL_URL = url
  process.env.EASEL_DATA_DIR = dataDir
  return async () => {
    proc.kill('SIGTERM')
    await new Promise((r) => proc.once('exit', r))
  }
}

/** Server settings for the e2e run (short lease timings make lock scenarios fast). */
export function e2eServerEnv(): Record<string, string> {
  return { LEASE_TTL_MS: '3000', LEASE_IDLE_MS: '20000' }
}
