import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
/**
 * The real server's entry point, resolved through the workspace package (not a path into it).
 * EASEL_CHAOS_SERVER points the harness at another build (e.g. an older checkout, to see what the
 * harness finds there).
 */
const SERVER_MAIN =
  process.env.EASEL_CHAOS_SERVER ?? path.join(path.dirname(require.resolve('@easel/server')), 'main.ts')

/**
 * The real Easel server as a child process on a fixed port and data directory, so it can be
 * killed (`kill -9`) and started again where clients expect it. One `node --import tsx` process:
 * the signal reaches the server itself, not a wrapper.
 */
export class ServerProcess {
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'easel-chaos-'))
  private proc: ChildProcess | null = null
  private expectedExit = false
  /** Set when the server exited without being told to (a crash): an invariant violation. */
  crashed: string | null = null
  private stderr = ''

  private constructor(
    readonly port: number,
    private readonly args: string[],
  ) {}

  static async start(args: string[] = []): Promise<ServerProcess> {
    const s = new ServerProcess(await freePort(), args)
    await s.start()
    return s
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`
  }

  get running(): boolean {
    return this.proc !== null
  }

  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.spawnOnce()
        return
      } catch (err) {
        // The port of a killed server can take a moment to be free again.
        if (attempt >= 20 || !/EADDRINUSE/.test(String(err))) throw err
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }

  private spawnOnce(): Promise<void> {
    const args = ['--port', String(this.port), '--host', '127.0.0.1', '--data', this.dataDir, ...this.args]
    const proc = spawn(process.execPath, ['--import', 'tsx', SERVER_MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: path.dirname(path.dirname(SERVER_MAIN)),
    })
    this.expectedExit = false
    this.stderr = ''
    proc.stderr!.on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-4000)
    })
    return new Promise((resolve, reject) => {
      let out = ''
      const onExit = (code: number | null, signal: string | null) => {
        if (this.proc === proc) this.proc = null
        if (!this.expectedExit) this.crashed ??= `server exited (${code ?? signal}): ${this.stderr.trim()}`
        reject(new Error(`server exited with ${code ?? signal}: ${this.stderr}`))
      }
      proc.once('exit', onExit)
      proc.stdout!.on('data', (d) => {
        out += d
        if (/Easel listening on/.test(out)) {
          this.proc = proc
          resolve()
        }
      })
    })
  }

  /** kill -9: no flush, no goodbye. */
  async kill(): Promise<void> {
    await this.stop('SIGKILL')
  }

  /** A graceful stop (clients are told 1001). */
  async terminate(): Promise<void> {
    await this.stop('SIGTERM')
  }

  private async stop(signal: NodeJS.Signals): Promise<void> {
    const proc = this.proc
    if (!proc) return
    this.expectedExit = true
    const exited = new Promise((r) => proc.once('exit', r))
    proc.kill(signal)
    await exited
    this.proc = null
  }

  async dispose(): Promise<void> {
    await this.kill()
    fs.rmSync(this.dataDir, { recursive: true, force: true })
  }
}

async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  const { port } = srv.address() as net.AddressInfo
  await new Promise((r) => srv.close(r))
  return port
}
