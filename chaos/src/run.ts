import 'fake-indexeddb/auto'
import path from 'node:path'
import { SqlitePersistence } from '@easel/server'
import * as Y from 'yjs'
import { perform } from './actions.ts'
import { type Violation, checkSettled, durableSince, type Snapshot, snapshot } from './invariants.ts'
import { Observer } from './observer.ts'
import { type Fault, planScenario, type Step } from './plan.ts'
import { Random } from './random.ts'
import { ServerProcess } from '@easel/testkit/serverProcess.ts'
import { SimUser } from './simUser.ts'

export type ChaosOptions = {
  users: number
  /** Steps per scenario (before faults expand into their pairs). */
  steps: number
  leaseTtlMs: number
  leaseIdleMs: number
  /** How long a checkpoint waits for everyone to settle before it reports who did not. */
  settleTimeoutMs: number
}

export const DEFAULT_OPTIONS: ChaosOptions = {
  users: 3,
  steps: 70,
  leaseTtlMs: 1500,
  leaseIdleMs: 8000,
  settleTimeoutMs: 30_000,
}

export type RunStats = {
  steps: number
  ops: Record<string, number>
  opsSkipped: number
  faults: Record<string, number>
  reloads: number
  sockets: number
  framesDuplicated: number
  commits: number
  grants: number
  checks: number
  ms: number
}

export type RunResult = { seed: number; steps: Step[]; violations: Violation[]; stats: RunStats }

const USER_COLORS = ['#e03131', '#2f9e44', '#1971c2', '#f08c00', '#9c36b5']

/**
 * Runs one scenario: a real server process (restarted by kill -9 and SIGTERM faults), K users on
 * the real client stack, the seed's steps in order, and the invariants at every checkpoint and
 * after every server kill. `steps` replays (or shrinks) a given trace instead of planning one.
 */
export async function runScenario(
  seed: number,
  options: Partial<ChaosOptions> = {},
  steps?: Step[],
): Promise<RunResult> {
  const o = { ...DEFAULT_OPTIONS, ...options }
  const started = Date.now()
  const random = new Random(seed)
  const plan = steps ?? planScenario(random, o)
  const server = await ServerProcess.start({
    args: [
      ...['--lease-ttl-ms', String(o.leaseTtlMs), '--lease-idle-ms', String(o.leaseIdleMs)],
      ...['--ping-interval-ms', '1000', '--compact-after', '40', '--log-level', 'error'],
      // Every simulated user connects from 127.0.0.1, and cut sockets linger until their close.
      ...[
        '--max-connections-per-ip',
        '10000',
        '--connect-rate-per-ip',
        '10000',
        '--connect-burst-per-ip',
        '10000',
      ],
    ],
  })
  const room = `chaos-${seed}`
  const violations: Violation[] = []
  const stats: RunStats = {
    steps: plan.length,
    ops: {},
    opsSkipped: 0,
    faults: {},
    reloads: 0,
    sockets: 0,
    framesDuplicated: 0,
    commits: 0,
    grants: 0,
    checks: 0,
    ms: 0,
  }
  const observer = new Observer(room, server.wsUrl)
  const users = Array.from(
    { length: o.users },
    (_, i) =>
      new SimUser(
        `U${i}`,
        USER_COLORS[i % USER_COLORS.length]!,
        room,
        server.wsUrl,
        `easel-chaos-${seed}-${started}-U${i}`,
        { answerTimeoutMs: 3000, textDebounceMs: 120 },
        new Random(seed * 31 + i + 1),
      ),
  )
  for (const u of users) u.open()
  // People start working once the page has loaded the board.
  const loadBy = Date.now() + 10_000
  while (Date.now() < loadBy && !users.every((u) => u.board!.sync.getState().synced)) await sleep(20)
  let preKill: Snapshot | null = null
  try {
    for (const [index, step] of plan.entries()) {
      const where = `step ${index} (${step.t})`
      try {
        if (step.t === 'op') {
          const u = users[step.user % users.length]!
          if (perform(u, step.op, users)) stats.ops[step.op.k] = (stats.ops[step.op.k] ?? 0) + 1
          else stats.opsSkipped++
        } else if (step.t === 'wait') {
          await sleep(step.ms)
        } else if (step.t === 'fault') {
          stats.faults[step.fault.k] = (stats.faults[step.fault.k] ?? 0) + 1
          if (step.fault.k === 'kill' || step.fault.k === 'terminate') {
            if (!server.running) continue
            preKill = snapshot(observer, users)
          }
          await applyFault(step.fault, users, server)
          if ((step.fault.k === 'kill' || step.fault.k === 'terminate') && preKill) {
            violations.push(...durableSince(preKill, await readStored(server, room), step.fault.k))
          }
        } else {
          stats.checks++
          await healAll(users, server)
          violations.push(...(await checkSettled(users, observer, o.settleTimeoutMs, room)))
          if (violations.length > 0) break
        }
        await sleep(5)
      } catch (err) {
        violations.push({ kind: 'harness', detail: `${where} threw: ${(err as Error).stack ?? err}` })
        break
      }
    }
  } finally {
    for (const u of users) {
      stats.reloads += u.stats.reloads
      stats.sockets += u.network.stats.sockets
      stats.framesDuplicated += u.network.stats.duplicated
      stats.commits += u.commits.size
      stats.grants += u.grants.length
      for (const code of u.network.closeCodes) {
        if (code.code >= 4400 && code.code < 4500) {
          violations.push({
            kind: 'closed',
            detail: `${u.name} was closed with ${code.code} (${code.reason})`,
          })
        }
      }
      for (const v of u.violations) violations.push({ kind: 'versions', detail: v })
      await u.close(true).catch(() => {})
    }
    for (const v of observer.violations) violations.push({ kind: 'fencing', detail: v })
    if (server.crashed) violations.push({ kind: 'crash', detail: server.crashed })
    observer.destroy()
    await server.dispose()
    stats.ms = Date.now() - started
  }
  return { seed, steps: plan, violations, stats }
}

async function applyFault(f: Fault, users: SimUser[], server: ServerProcess): Promise<void> {
  const u = 'user' in f ? users[f.user % users.length]! : null
  switch (f.k) {
    case 'cut':
      u!.network.cutAll()
      return
    case 'offline':
      u!.network.down = true
      if (f.silent) u!.network.cutAll()
      else {
        u!.browserOffline = true
        u!.board?.sync.goOffline()
      }
      return
    case 'online':
      goOnline(u!)
      return
    case 'reload':
      await u!.reload(!f.crash)
      return
    case 'freeze':
      u!.network.freeze()
      return
    case 'thaw':
      u!.network.thaw()
      return
    case 'latency':
      u!.network.faults = { maxDelayMs: f.maxDelayMs, duplicateRate: f.duplicateRate }
      return
    case 'kill':
      await server.kill('SIGKILL')
      return
    case 'terminate':
      await server.kill('SIGTERM')
      return
    case 'restart':
      if (!server.running) await server.launch()
      return
  }
}

function goOnline(u: SimUser): void {
  u.network.down = false
  if (u.browserOffline) {
    u.browserOffline = false
    u.board?.sync.goOnline()
  }
}

/** Ends every fault: the server is up, networks are healthy, nobody is mid-edit. */
async function healAll(users: SimUser[], server: ServerProcess): Promise<void> {
  if (!server.running) await server.launch()
  for (const u of users) {
    u.network.faults = { maxDelayMs: 0, duplicateRate: 0 }
    u.network.thaw()
    goOnline(u)
  }
  for (const u of users) {
    if (u.text.request) u.text.cancelRequest()
    await u.text.stop()
  }
}

/** The room's document as the server's storage holds it (read while the server is down). */
async function readStored(server: ServerProcess, room: string): Promise<Y.Doc> {
  const persistence = new SqlitePersistence(path.join(server.dataDir, 'easel.sqlite'))
  try {
    const doc = new Y.Doc()
    for (const update of await persistence.load(room)) Y.applyUpdate(doc, update)
    return doc
  } finally {
    await persistence.close()
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
