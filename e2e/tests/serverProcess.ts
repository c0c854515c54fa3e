import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { e2eServerEnv } from '../globalSetup.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')

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

/**
 * A real Easel server of a test's own, spawned exactly like globalSetup's (one node process with
 * tsx as a loader, so signals reach the server itself), on a fixed port and data directory so it
 * can be killed and started again where its clients expect it.
 */
export class ServerProcess {
  private proc: ChildProcess | null = null
  /** Everything the server printed (stdout and stderr), for failure messages. */
  output = ''

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {}

  /** Picks a free port and a fresh data directory and starts the server there. */
  static async start(env: Record<string, string> = {}): Promise<ServerProcess> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'easel-e2e-own-'))
    const server = new ServerProcess(await freePort(), dataDir, env)
    await server.launch()
    return server
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get running(): boolean {
    return this.proc !== null
  }

  /** Starts the server (again) on the same port and data directory; resolves once it listens. */
  async launch(): Promise<void> {
    if (this.proc) throw new Error('server is already running')
    const args = ['--port', String(this.port), '--host', '127.0.0.1', '--data', this.dataDir]
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'server/src/main.ts'), ...args, '--log-level', 'warn'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: path.join(ROOT, 'server'),
        env: { ...process.env, ...e2eServerEnv(), ...this.env },
      },
    )
    this.proc = proc
    const started = this.output.length
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        this.output += d
        if (this.output.slice(started).includes('Easel listening on')) resolve()
      }
      proc.stdout!.on('data', onData)
      proc.stderr!.on('data', onData)
      proc.once('exit', (code, signal) => {
        if (this.proc === proc) this.proc = null
        reject(new Error(`server exited early (${code ?? signal}):\n${this.output.slice(started)}`))
      })
    })
  }

  /**
   * Stops the server with `signal` and resolves once the process is gone: SIGKILL is `kill -9`
   * (no shutdown code runs, sockets just drop), SIGTERM the graceful shutdown (1001 to clients).
   */
  async kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const proc = this.proc
    if (!proc) return
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    proc.kill(signal)
    await exited
    this.proc = null
  }

  /** Kills the server with `signal` and starts it again on the same port and data directory. */
  async restart(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    await this.kill(signal)
    await this.launch()
  }

  /** Teardown: stops the server and removes its data directory. */
  async dispose(): Promise<void> {
    await this.kill('SIGKILL')
    fs.rmSync(this.dataDir, { recursive: true, force: true })
  }
}
