import fs from 'node:fs'
import path from 'node:path'
import { builtServer, ServerProcess, type ServerProcessOptions } from '@easel/testkit/serverProcess.ts'

const ROOT = path.resolve(import.meta.dirname, '..')

/**
 * Starts the real server, as `pnpm start` runs it (the production builds of server and client), on a free port with a fresh data directory and
 * exposes its URL to the tests as EASEL_URL. Returns the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!fs.existsSync(path.join(ROOT, 'client/dist/index.html'))) {
    throw new Error('client/dist is missing: run `pnpm build` first (pnpm test:e2e does)')
  }
  const server = await ServerProcess.start(e2eServer())
  process.env.EASEL_URL = server.url
  return async () => {
    await server.kill('SIGTERM')
    if (server.crashed) console.error(server.crashed)
    fs.rmSync(server.dataDir, { recursive: true, force: true })
  }
}

/**
 * Server settings for the e2e run: short lease timings make lock scenarios fast; every browser of
 * the run connects from 127.0.0.1, so the per-address cap is raised to what a run opens and more.
 */
export function e2eServer(env: Record<string, string> = {}): ServerProcessOptions {
  return {
    main: builtServer(),
    env: {
      LEASE_TTL_MS: '3000',
      LEASE_IDLE_MS: '20000',
      MAX_CONNECTIONS_PER_IP: '10000',
      CONNECT_RATE_PER_IP: '10000',
      CONNECT_BURST_PER_IP: '10000',
      ...env,
    },
  }
}
