/**
 * Starts the servers under test as child processes on 127.0.0.1 and stops them again. Every child is
 * also killed when the benchmark process exits, whatever the reason.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'
import { processCpuMs } from './machine.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
const SERVER_DIR = path.join(ROOT, 'server')
const EASEL_MAIN = path.join(SERVER_DIR, 'src/main.ts')
/** The stock y-websocket server script, by its real path so that its own dependencies resolve. */
const REFERENCE_MAIN = fs.realpathSync(
  path.join(import.meta.dirname, 'node_modules/@y/websocket-server/src/server.js'),
)
const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 5_000

export type ServerKind = 'reference' | 'easel'

export type StartOptions = {
  /** Write V8 CPU profiles (one per thread) into `<cpuProfileDir>/<kind>-<tag>/` on exit. */
  cpuProfileDir?: string
  tag?: string
}

export type RunningServer = {
  kind: ServerKind
  /** `serverUrl` for a `WebsocketProvider`: it connects to `${wsUrl}/${room}`. */
  wsUrl: string
  pid: number
  /** User + system CPU time of the process so far in ms; null where /proc is unavailable. */
  cpuMs(): number | null
  /** SIGTERM, then SIGKILL after a timeout; resolves once the process is gone. */
  stop(): Promise<void>
}

const live = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

export function startServer(kind: ServerKind, options: StartOptions = {}): Promise<RunningServer> {
  return kind === 'easel' ? startEasel(options) : startReference(options)
}

/** Easel from source (`tsx` as an `--import` loader so that the server is a single process). */
async function startEasel(options: StartOptions): Promise<RunningServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'easel-bench-'))
  const tsxLoader = pathToFileURL(
    path.join(fs.realpathSync(path.join(SERVER_DIR, 'node_modules/tsx')), 'dist/loader.mjs'),
  ).href
  const args = [
    '--import',
    tsxLoader,
    ...profileArgs('easel', options),
    EASEL_MAIN,
    ...['--port', '0', '--host', '127.0.0.1', '--data', dataDir, '--log-level', 'warn'],
    ...['--rate-limit-per-sec', '100000', '--rate-limit-burst', '100000'],
  ]
  const server = await launch('easel', args, {
    cwd: SERVER_DIR,
    env: process.env,
    ready: /Easel listening on http:\/\/([\d.]+:\d+)/,
  })
  return {
    ...server,
    stop: async () => {
      await server.stop()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** `@y/websocket-server`'s own entry script, in memory only (no YPERSISTENCE, no callback). */
async function startReference(options: StartOptions): Promise<RunningServer> {
  const port = await freePort()
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: String(port) }
  for (const name of ['YPERSISTENCE', 'CALLBACK_URL', 'GC']) delete env[name]
  const profile = profileArgs('reference', options)
  // The stock script has no SIGTERM handler; a profile is only written on an orderly exit.
  const onTerm =
    profile.length > 0 ? ['--import', 'data:text/javascript,process.on("SIGTERM",()=>process.exit(0))'] : []
  return launch('reference', [...onTerm, ...profile, REFERENCE_MAIN], {
    cwd: path.dirname(REFERENCE_MAIN),
    env,
    ready: /running at '([\d.]+)' on port (\d+)/,
  })
}

function profileArgs(kind: ServerKind, options: StartOptions): string[] {
  if (!options.cpuProfileDir) return []
  // One directory per server: V8 writes a profile per thread (Easel's module loader hooks run in
  // one of their own), so a fixed file name would let the last thread overwrite the main one.
  const dir = path.join(options.cpuProfileDir, `${kind}-${options.tag ?? process.hrtime.bigint().toString()}`)
  fs.mkdirSync(dir, { recursive: true })
  return ['--cpu-prof', '--cpu-prof-dir', dir]
}

async function launch(
  kind: ServerKind,
  nodeArgs: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; ready: RegExp },
): Promise<RunningServer> {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child)
      resolve()
    })
  })
  let isReady = false
  const early: string[] = []
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(`not ready after ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS)
    const fail = (why: string) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${kind} server ${why}:\n${early.join('\n')}`))
    }
    const onLine = (line: string) => {
      if (isReady) {
        // Anything a server prints during a run (warnings, errors) is worth seeing.
        process.stderr.write(`[${kind} ${child.pid}] ${line}\n`)
        return
      }
      early.push(line)
      const m = opts.ready.exec(line)
      if (!m) return
      isReady = true
      clearTimeout(timer)
      resolve(m[2] === undefined ? m[1]! : `${m[1]}:${m[2]}`)
    }
    createInterface({ input: child.stdout! }).on('line', onLine)
    createInterface({ input: child.stderr! }).on('line', onLine)
    child.once('exit', (code, signal) => {
      if (!isReady) fail(`exited early (${code ?? signal})`)
    })
  })
  const wsUrl = kind === 'easel' ? `ws://${address}/ws` : `ws://${address}`
  const pid = child.pid!
  return {
    kind,
    wsUrl,
    pid,
    cpuMs: () => processCpuMs(pid),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    },
  }
}

/** A port that was free a moment ago (the reference server cannot report the one it picked). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

/** Version of `name` as Node would resolve it from `fromDir` (ignoring `exports`). */
export function packageVersion(name: string, fromDir: string): string {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', name, 'package.json')
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version
    if (path.dirname(dir) === dir) return 'not found'
  }
}

/** What each server runs on, for the report header. */
export function serverVersions(): Record<ServerKind, Record<string, string>> {
  const refDir = path.dirname(REFERENCE_MAIN)
  return {
    reference: {
      '@y/websocket-server': packageVersion('@y/websocket-server', path.join(import.meta.dirname)),
      yjs: packageVersion('yjs', refDir),
      'y-protocols': packageVersion('y-protocols', refDir),
      ws: packageVersion('ws', refDir),
    },
    easel: {
      yjs: packageVersion('yjs', SERVER_DIR),
      'y-protocols': packageVersion('y-protocols', SERVER_DIR),
      ws: packageVersion('ws', SERVER_DIR),
    },
  }
}
