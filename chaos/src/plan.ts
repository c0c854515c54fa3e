import type { Random } from './random.ts'

/** What a simulated user does. `pick` indexes the user's visible shapes (modulo their number). */
export type Op =
  | { k: 'create'; kind: 'rect' | 'ellipse' | 'sticky' | 'text'; x: number; y: number }
  | { k: 'move'; pick: number; dx: number; dy: number }
  | { k: 'style'; pick: number; color: string }
  | { k: 'delete'; pick: number }
  | { k: 'group'; picks: number[] }
  | { k: 'ungroup'; pick: number }
  | { k: 'bind'; from: number; to: number }
  | { k: 'undo' }
  | { k: 'redo' }
  /** Edit a text or sticky: a picked one, or (`of`) the one user `of` is editing right now. */
  | { k: 'editText'; pick: number; of?: number }
  | { k: 'type'; word: string }
  | { k: 'stopEditing' }
  /** Clicks the first button of the newest notice that has one ("Re-apply my text", "Delete anyway"). */
  | { k: 'actOnNotice' }

/** What goes wrong around the users. */
export type Fault =
  /** The connection drops (the browser reconnects by itself). */
  | { k: 'cut'; user: number }
  /** An offline spell: `silent` when the browser does not notice (connects just fail). */
  | { k: 'offline'; user: number; silent: boolean }
  | { k: 'online'; user: number }
  /** A page reload from the local store; `crash` skips pagehide (a killed tab). */
  | { k: 'reload'; user: number; crash: boolean }
  /** Frames are held both ways while the socket stays open (frozen tab, partition). */
  | { k: 'freeze'; user: number }
  | { k: 'thaw'; user: number }
  /** Latency (keeping order) and duplicated frames on this user's network. */
  | { k: 'latency'; user: number; maxDelayMs: number; duplicateRate: number }
  | { k: 'kill' }
  | { k: 'terminate' }
  | { k: 'restart' }

export type Step =
  | { t: 'op'; user: number; op: Op }
  | { t: 'fault'; fault: Fault }
  | { t: 'wait'; ms: number }
  /** Heal every fault, wait until everyone settled, check every invariant. */
  | { t: 'check' }

export type PlanOptions = { users: number; steps: number; leaseTtlMs: number }

const COLORS = ['#e03131', '#2f9e44', '#1971c2', '#f08c00', '#9c36b5']
const WORDS = ['plan', 'ship', 'fix', 'draw', 'note', 'idea', 'Q3', 'todo', 'ok', 'why?', 'é', '🙂']

/**
 * The scenario of one seed: user operations interleaved with faults, with two checkpoints (the
 * middle and the end). Faults come in pairs that end them (offline then online, freeze then thaw,
 * kill then restart) with random operations in between; a freeze outlasts the lease TTL, so the
 * frozen user's lease expires while it keeps typing.
 */
export function planScenario(random: Random, o: PlanOptions): Step[] {
  const steps: Step[] = []
  const user = () => random.int(0, o.users - 1)
  const pick = () => random.int(0, 1_000_000)
  const op = (): Op =>
    random.weighted<() => Op>([
      [
        () => ({ k: 'create', kind: random.pick(['rect', 'ellipse', 'sticky', 'text'] as const), ...at() }),
        14,
      ],
      [() => ({ k: 'move', pick: pick(), dx: random.int(-80, 80), dy: random.int(-80, 80) }), 12],
      [() => ({ k: 'style', pick: pick(), color: random.pick(COLORS) }), 6],
      [() => ({ k: 'delete', pick: pick() }), 5],
      [() => ({ k: 'group', picks: [pick(), pick(), pick()].slice(0, random.int(2, 3)) }), 3],
      [() => ({ k: 'ungroup', pick: pick() }), 2],
      [() => ({ k: 'bind', from: pick(), to: pick() }), 4],
      [() => ({ k: 'undo' }), 5],
      [() => ({ k: 'redo' }), 3],
      [() => ({ k: 'editText', pick: pick() }), 8],
      [() => ({ k: 'type', word: random.pick(WORDS) }), 16],
      [() => ({ k: 'stopEditing' }), 4],
      [() => ({ k: 'actOnNotice' }), 3],
    ])()
  const at = () => ({ x: random.int(0, 1200), y: random.int(0, 800) })
  /** A few operations by random users, with short pauses (others' edits arrive in between). */
  const burst = (n: number) => {
    for (let i = 0; i < n; i++) {
      steps.push({ t: 'op', user: user(), op: op() })
      if (random.chance(0.5)) steps.push({ t: 'wait', ms: random.int(5, 120) })
    }
  }
  const fault = () => {
    const u = user()
    const kind = random.weighted([
      ['cut', 4],
      ['offline', 3],
      ['reload', 4],
      ['freeze', 3],
      ['latency', 3],
      ['kill', 2],
      ['terminate', 1],
    ] as const)
    switch (kind) {
      case 'cut':
        steps.push({ t: 'fault', fault: { k: 'cut', user: u } })
        return
      case 'reload':
        steps.push({ t: 'fault', fault: { k: 'reload', user: u, crash: random.chance(0.4) } })
        return
      case 'latency':
        steps.push({
          t: 'fault',
          fault: {
            k: 'latency',
            user: u,
            maxDelayMs: random.int(0, 150),
            duplicateRate: random.pick([0, 0.05, 0.2]),
          },
        })
        return
      case 'offline':
        steps.push({ t: 'fault', fault: { k: 'offline', user: u, silent: random.chance(0.5) } })
        burst(random.int(2, 5))
        steps.push({ t: 'fault', fault: { k: 'online', user: u } })
        return
      case 'freeze':
        // The frozen user is mid-edit and keeps typing; the lease expires meanwhile.
        steps.push({ t: 'op', user: u, op: { k: 'editText', pick: pick() } })
        steps.push({ t: 'wait', ms: 150 })
        steps.push({ t: 'fault', fault: { k: 'freeze', user: u } })
        steps.push({ t: 'op', user: u, op: { k: 'type', word: random.pick(WORDS) } })
        steps.push({ t: 'wait', ms: o.leaseTtlMs + 600 })
        burst(random.int(0, 2))
        if (o.users > 1 && random.chance(0.7)) {
          // Someone else takes the expired lease on the same note, and may or may not type.
          const other = (u + random.int(1, o.users - 1)) % o.users
          steps.push({ t: 'op', user: other, op: { k: 'editText', pick: pick(), of: u } })
          steps.push({ t: 'wait', ms: random.int(100, 300) })
          if (random.chance(0.4))
            steps.push({ t: 'op', user: other, op: { k: 'type', word: random.pick(WORDS) } })
        }
        steps.push({ t: 'op', user: u, op: { k: 'type', word: random.pick(WORDS) } })
        steps.push({ t: 'fault', fault: { k: 'thaw', user: u } })
        return
      case 'kill':
      case 'terminate':
        steps.push({ t: 'fault', fault: { k: kind } })
        burst(random.int(1, 4))
        steps.push({ t: 'wait', ms: random.int(0, 500) })
        steps.push({ t: 'fault', fault: { k: 'restart' } })
        return
    }
  }
  /** A user edits a note: asks for it, types in bursts (each pause long enough to commit), maybe leaves. */
  const textSession = () => {
    const u = user()
    if (random.chance(0.3)) steps.push({ t: 'op', user: u, op: { k: 'create', kind: 'sticky', ...at() } })
    else steps.push({ t: 'op', user: u, op: { k: 'editText', pick: pick() } })
    if (random.chance(0.5)) steps.push({ t: 'wait', ms: random.int(0, 60) })
    for (let i = random.int(1, 4); i > 0; i--) {
      steps.push({ t: 'op', user: u, op: { k: 'type', word: random.pick(WORDS) } })
      steps.push({ t: 'wait', ms: random.int(20, 400) })
      if (random.chance(0.3)) burst(1)
    }
    if (random.chance(0.6)) steps.push({ t: 'op', user: u, op: { k: 'stopEditing' } })
  }
  // Everyone starts by drawing something, so later picks have shapes (and notes) to work on.
  for (let u = 0; u < o.users; u++) {
    steps.push({
      t: 'op',
      user: u,
      op: { k: 'create', kind: random.pick(['rect', 'ellipse'] as const), ...at() },
    })
    steps.push({ t: 'op', user: u, op: { k: 'create', kind: 'sticky', ...at() } })
    steps.push({ t: 'op', user: u, op: { k: 'type', word: random.pick(WORDS) } })
    steps.push({ t: 'wait', ms: 200 })
    steps.push({ t: 'op', user: u, op: { k: 'stopEditing' } })
  }
  const half = Math.floor(o.steps / 2)
  for (let phase = 0; phase < 2; phase++) {
    const target = steps.length + half
    while (steps.length < target) {
      random.weighted<() => void>([
        [() => burst(random.int(1, 3)), 5],
        [textSession, 3],
        [fault, 2],
      ])()
    }
    steps.push({ t: 'check' })
  }
  return steps
}

export function formatStep(s: Step): string {
  switch (s.t) {
    case 'op':
      return `user${s.user} ${JSON.stringify(s.op)}`
    case 'fault':
      return `fault ${JSON.stringify(s.fault)}`
    case 'wait':
      return `wait ${s.ms}ms`
    case 'check':
      return 'check'
  }
}
