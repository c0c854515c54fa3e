import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { sleep } from './waitFor.ts'

const require = createRequire(import.meta.url)
/**
 * The real server's entry point, resolved through the workspace package. EASEL_SERVER_MAIN points
 * at another build (an older checkout, to see what a harness finds there).
 */
export const SERVER_MAIN =
  process.env.EASEL_SERVER_MAIN ?? path.join(path.dirname(require.resolve('@easel/server')), 'main.ts')
/** The server package's directory: where its own dependencies (tsx among them) resolve. */
export const SERVER_DIR = path.dirname(path.dirname(SERVER_MAIN))

/** The production build's entry point (`pnpm build`): what `pnpm start` runs. Throws when it is not built. */
export function builtServer(): string {
  const main = path.join(SERVER_DIR, 'dist', 'main.js')
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: run \`pnpm build\` first`)
  return main
}

const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 5_000
/** Output kept per process, for failure messages. */
const OUTPUT_LIMIT = 100_000

/** A port nobody listens on right now (the OS picks it; it is released before the server takes it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.unref()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

export function tempDir(prefix = 'easel-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** Every child started here; killed when this process exits, whatever the reason. */
const live = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

export type ReadyProcess = {
  proc: ChildProcess
  /** Resolves with the exit code (null after a signal) once the process is gone. */
  exited: Promise<number | null>
  /** Everything the process printed so far (stdout and stderr, the last 100 kB). */
  printed(): string
  /** `signal` (SIGTERM by default), then SIGKILL after a timeout; resolves once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>
}

/**
 * Spawns `node …nodeArgs` and resolves once `readyUrl` answers an HTTP GET with 2xx; rejects if the
 * process exits first or is not ready in time.
 */
export async function spawnReady(
  nodeArgs: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; readyUrl: string; timeoutMs?: number },
): Promise<ReadyProcess> {
  const proc = spawn(process.execPath, nodeArgs, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(proc)
  let output = ''
  const onData = (d: Buffer) => {
    output = (output + d).slice(-OUTPUT_LIMIT)
  }
  proc.stdout!.on('data', onData)
  proc.stderr!.on('data', onData)
  let gone = false
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      gone = true
      live.delete(proc)
      resolve(code)
    }),
  )
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (gone) return
    proc.kill(signal)
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }
  const deadline = Date.now() + (opts.timeoutMs ?? READY_TIMEOUT_MS)
  for (;;) {
    if (gone) throw new Error(`server exited (${proc.exitCode ?? proc.signalCode}):\n${output.trim()}`)
    if (Date.now() > deadline) {
      await stop('SIGKILL')
      throw new Error(`server not ready at ${opts.readyUrl} within ${opts.timeoutMs ?? READY_TIMEOUT_MS} ms`)
    }
    const ok = await fetch(opts.readyUrl, { signal: AbortSignal.timeout(1_000) }).then(
      (res) => res.ok,
      () => false,
    )
    if (ok && !gone) return { proc, exited, printed: () => output, stop }
    await sleep(20)
  }
}

export type SpawnOptions = {
  /** Port to listen on; a free one by default. */
  port?: number
  /** Extra environment variables (`LEASE_TTL_MS`). */
  env?: Record<string, string>
  /** Node flags before the entry point (`--cpu-prof`). */
  nodeArgs?: string[]
  /** The entry point: {@link SERVER_MAIN} (TypeScript, run through tsx) by default, or a built `.js` one. */
  main?: string
}

export type SpawnedServer = ReadyProcess & {
  port: number
  /** `http://127.0.0.1:port`. */
  url: string
  /** What a y-websocket provider is given: `ws://127.0.0.1:port/ws`. */
  wsUrl: string
}

/**
 * The real server as a child process (for kill -9, restarts and RSS measurements), ready once
 * `/healthz` answers. One `node --import tsx` process, not the `tsx` CLI (which forks a child): a
 * signal must hit the real server, not a wrapper that leaves it running.
 */
export async function spawnServer(
  dataDir: string,
  args: string[] = [],
  options: SpawnOptions = {},
): Promise<SpawnedServer> {
  const port = options.port ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  const main = options.main ?? SERVER_MAIN
  const server = await spawnReady(
    [
      ...(main.endsWith('.ts') ? ['--import', 'tsx'] : []),
      ...(options.nodeArgs ?? []),
      main,
      ...['--port', String(port), '--host', '127.0.0.1', '--data', dataDir, '--log-level', 'warn'],
      ...args,
    ],
    { cwd: SERVER_DIR, env: { ...process.env, ...options.env }, readyUrl: `${url}/healthz` },
  )
  return { ...server, port, url, wsUrl: `ws://127.0.0.1:${port}/ws` }
}

export type ServerProcessOptions = {
  /** Extra command-line flags (`--lease-ttl-ms 1500`). */
  args?: string[]
  /** Extra environment variables (`LEASE_TTL_MS`). */
  env?: Record<string, string>
  /** The entry point (see {@link SpawnOptions.main}). */
  main?: string
}

/**
 * The real Easel server as a child process on a fixed port and data directory, so it can be
 * killed (`kill -9`) or stopped and started again where its clients expect it.
 */
export class ServerProcess {
  private current: SpawnedServer | null = null
  private stopping = false
  /** What the earlier runs printed. */
  private printedBefore = ''
  /** Set when the server exited without being told to: a crash. */
  crashed: string | null = null

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly options: ServerProcessOptions,
  ) {}

  /** Picks a free port and a fresh data directory and starts the server there. */
  static async start(options: ServerProcessOptions = {}): Promise<ServerProcess> {
    const server = new ServerProcess(await freePort(), tempDir('easel-server-'), options)
    await server.launch()
    return server
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`
  }

  /** Everything the server printed (stdout and stderr) over all its runs, for failure messages. */
  get output(): string {
    return this.printedBefore + (this.current?.printed() ?? '')
  }

  get running(): boolean {
    return this.current !== null
  }

  /** Starts the server (again) on the same port and data directory; resolves once it is healthy. */
  async launch(): Promise<void> {
    if (this.current) throw new Error('server is already running')
    for (let attempt = 0; ; attempt++) {
      try {
        const server = await spawnServer(this.dataDir, this.options.args, {
          port: this.port,
          env: this.options.env,
          main: this.options.main,
        })
        this.current = server
        this.stopping = false
        void server.exited.then((code) => {
          this.printedBefore = (this.printedBefore + server.printed()).slice(-OUTPUT_LIMIT)
          if (this.current === server) this.current = null
          const why = `server exited (${code ?? server.proc.signalCode}):\n${server.printed().trim()}`
          if (!this.stopping) this.crashed ??= why
        })
        return
      } catch (err) {
        // The port of a server just killed can take a moment to be free again.
        if (attempt >= 20 || !/EADDRINUSE/.test(String(err))) throw err
        await sleep(100)
      }
    }
  }

  /**
   * Stops the server with `signal` and resolves once the process is gone: SIGKILL is `kill -9`
   * (no shutdown code runs, sockets just drop), SIGTERM the graceful shutdown (1001 to clients).
   */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const server = this.current
    if (!server) return
    this.stopping = true
    await server.stop(signal)
    this.current = null
  }

  /** Teardown: stops the server and removes its data directory. */
  async dispose(): Promise<void> {
    await this.kill('SIGKILL')
    fs.rmSync(this.dataDir, { recursive: true, force: true })
  }
}
