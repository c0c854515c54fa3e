import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

const require = createRequire(import.meta.url)
/**
 * The real server's entry point, resolved through the workspace package. EASEL_SERVER_MAIN points
 * at another build (an older checkout, to see what a harness finds there).
 */
const SERVER_MAIN =
  process.env.EASEL_SERVER_MAIN ?? path.join(path.dirname(require.resolve('@easel/server')), 'main.ts')

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

export type ServerProcessOptions = {
  /** Extra command-line flags (`--lease-ttl-ms 1500`). */
  args?: string[]
  /** Extra environment variables (`LEASE_TTL_MS`). */
  env?: Record<string, string>
}

/**
 * The real Easel server as a child process on a fixed port and data directory, so it can be
 * killed (`kill -9`) or stopped and started again where its clients expect it. One
 * `node --import tsx` process: a signal reaches the server itself, not a wrapper.
 */
export class ServerProcess {
  private proc: ChildProcess | null = null
  private stopping = false
  /** Everything the server printed (stdout and stderr), for failure messages. */
  output = ''
  /** Set when the server exited without being told to: a crash. */
  crashed: string | null = null

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly options: ServerProcessOptions,
  ) {}

  /** Picks a free port and a fresh data directory and starts the server there. */
  static async start(options: ServerProcessOptions = {}): Promise<ServerProcess> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'easel-server-'))
    const server = new ServerProcess(await freePort(), dataDir, options)
    await server.launch()
    return server
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** What a y-websocket provider is given: `ws://host:port/ws`. */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`
  }

  get running(): boolean {
    return this.proc !== null
  }

  /** Starts the server (again) on the same port and data directory; resolves once it listens. */
  async launch(): Promise<void> {
    if (this.proc) throw new Error('server is already running')
    for (let attempt = 0; ; attempt++) {
      try {
        await this.spawnOnce()
        return
      } catch (err) {
        // The port of a server just killed can take a moment to be free again.
        if (attempt >= 20 || !/EADDRINUSE/.test(String(err))) throw err
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }

  private spawnOnce(): Promise<void> {
    const args = ['--port', String(this.port), '--host', '127.0.0.1', '--data', this.dataDir]
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', SERVER_MAIN, ...args, ...(this.options.args ?? [])],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: path.dirname(path.dirname(SERVER_MAIN)),
        env: { ...process.env, LOG_LEVEL: 'warn', ...this.options.env },
      },
    )
    this.stopping = false
    const started = this.output.length
    return new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        this.output = (this.output + d).slice(-100_000)
        if (this.output.slice(started).includes('Easel listening on')) {
          this.proc = proc
          resolve()
        }
      }
      proc.stdout!.on('data', onData)
      proc.stderr!.on('data', onData)
      proc.once('exit', (code, signal) => {
        if (this.proc === proc) this.proc = null
        const why = `server exited (${code ?? signal}):\n${this.output.slice(started).trim()}`
        if (!this.stopping) this.crashed ??= why
        reject(new Error(why))
      })
    })
  }

  /**
   * Stops the server with `signal` and resolves once the process is gone: SIGKILL is `kill -9`
   * (no shutdown code runs, sockets just drop), SIGTERM the graceful shutdown (1001 to clients).
   */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const proc = this.proc
    if (!proc) return
    this.stopping = true
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    proc.kill(signal)
    await exited
    this.proc = null
  }

  /** Teardown: stops the server and removes its data directory. */
  async dispose(): Promise<void> {
    await this.kill('SIGKILL')
    fs.rmSync(this.dataDir, { recursive: true, force: true })
  }
}
