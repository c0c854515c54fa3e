/**
 * Frame fuzzer: random, structurally valid, honest and mutated frames against the real server
 * (in-process, port 0, a fresh SQLite data dir per fast-check run), every invariant checked after
 * every frame (see fuzzHarness.checkInvariants), the stored room reloaded at the end of each run;
 * malformed upgrade URLs against the real server process. Generators: frameArbitraries.ts.
 *
 *   pnpm exec vitest run server/test/frameFuzz.test.ts                 # ~60-90 s on 2 cores
 *   FUZZ_RUNS=200 pnpm exec vitest run server/test/frameFuzz.test.ts   # runs per property (URL: x4)
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> pnpm exec vitest run server/test/frameFuzz.test.ts -t '<name>'
 *                                                                      # replay one reported failure
 *   FUZZ_TIME_LIMIT_MS=90000 ...   per-property cap on runs + shrinking (default 6-14 s; a cut-short
 *                                  property logs "time limit ... reached after N of M runs")
 *   FUZZ_STEP_TIMEOUT_MS=4000      per honest-client step;  FUZZ_DEBUG=1  log every frame and timing
 *
 * A failure prints fast-check's seed and path, the shrunk counterexample (frame specs), and, in
 * the cause, the exact frames that went over the wire in hex with the server's answer to each.
 */
import net from 'node:net'
import {
  encodeEaselFrame,
  insertShape,
  MessageType,
  PROTOCOL_VERSION,
  type ServerMessage,
  VERSIONED_FIELDS,
  versionedKey,
  versionedMap,
} from '@easel/shared'
import fc from 'fast-check'
import * as decoding from 'lib0/decoding'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import type { EaselServer } from '../src/index.ts'
import { encodeDecodedUpdate } from './yjsForge.ts'
import {
  applyReplicaOps,
  easelFrame,
  type FrameSpec,
  gapFrame,
  hex,
  honestFrame,
  junkFrame,
  mutatedFrame,
  replicaOp,
  syncStep1Frame,
  syncStep2Frame,
} from './frameArbitraries.ts'
import {
  checkInvariants,
  connectProtocolClient,
  hookProcessErrors,
  runScenario,
  type SetupSpec,
  snapshot,
  stockProvider,
} from './fuzzHarness.ts'
import { RECT } from '@easel/testkit/protocolClient.ts'
import { spawnServer, tempDir } from '@easel/testkit/serverProcess.ts'
import { startServer } from './helpers.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 0)
const runs = (dflt: number) => (RUNS > 0 ? RUNS : dflt)
/** Cap per property (runs and shrinking); raised with the number of runs, or set by FUZZ_TIME_LIMIT_MS. */
const timeLimit = (dflt: number) =>
  process.env.FUZZ_TIME_LIMIT_MS
    ? Number(process.env.FUZZ_TIME_LIMIT_MS)
    : RUNS > 0
      ? Math.max(dflt, RUNS * 1500)
      : dflt

function params(numRuns: number, limitMs: number): fc.Parameters<unknown> {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined
  return {
    numRuns,
    ...(seed === undefined ? {} : { seed, path: process.env.FUZZ_PATH }),
    plugins: [fc.interruptAfterTimeLimit(limitMs)],
  }
}

/**
 * fc.assert, except that a run cut short by the time limit says so (fast-check counts it as a
 * pass): the file stays within its time budget on a slow machine, and the log shows the cost.
 */
async function check<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncPropertyWithHooks<Ts>,
  numRuns: number,
  limitMs: number,
): Promise<void> {
  const details = await fc.check(property, params(numRuns, limitMs) as fc.Parameters<Ts>)
  if (details.failed)
    throw new Error(await fc.asyncDefaultReportMessage(details), { cause: details.errorInstance })
  if (details.interrupted) {
    console.warn(
      `time limit ${limitMs} ms reached after ${details.numRuns} of ${numRuns} runs (seed ${details.seed})`,
    )
  }
}

/**
 * The room before fuzzing: 1-3 shapes, and up to three versioned fields committed (each at most
 * `maxCommitsPerField` times) by an honest client.
 */
const setupArb = (maxCommitsPerField: number, hello?: boolean): fc.Arbitrary<SetupSpec> =>
  fc.integer({ min: 1, max: 3 }).chain((shapes) =>
    fc.record({
      shapes: fc.constant(shapes),
      commits: fc.uniqueArray(
        fc.record({
          shape: fc.nat(shapes - 1),
          field: fc.constantFrom(...VERSIONED_FIELDS),
          times: fc.integer({ min: 1, max: maxCommitsPerField }),
        }),
        { maxLength: 3, selector: (c) => `${c.shape}:${c.field}` },
      ),
      hello: hello === undefined ? fc.boolean() : fc.constant(hello),
    }),
  )

const frames = (arb: fc.Arbitrary<FrameSpec>, max = 4) => fc.array(arb, { minLength: 1, maxLength: max })

let unhook: () => void
beforeAll(() => {
  unhook = hookProcessErrors()
})
afterAll(() => unhook())

describe('frame fuzzer (in-process server, invariants after every frame)', () => {
  it('the Yjs re-encoder used for id/clock mutations round-trips real updates', () => {
    fc.assert(
      fc.property(fc.array(replicaOp, { minLength: 1, maxLength: 6 }), (ops) => {
        const doc = new Y.Doc()
        applyReplicaOps(doc, ops, { n: 0 })
        const update = Y.encodeStateAsUpdate(doc)
        const again = encodeDecodedUpdate(Y.decodeUpdate(update))
        // Same document (the BIT6 flag of items with an origin is dropped: Yjs ignores it there).
        const copy = new Y.Doc()
        Y.applyUpdate(copy, again)
        expect(JSON.stringify(snapshot(copy))).toBe(JSON.stringify(snapshot(doc)))
        expect(hex(encodeDecodedUpdate(Y.decodeUpdate(again)))).toBe(hex(again))
      }),
      { numRuns: 200 },
    )
  })

  // Setup commits at most once per field here: a field committed twice makes any sync step 2 fail
  // on bug (c), which has its own tests below and the Easel property.
  it('random bytes and structurally valid junk frames', async () => {
    await check(
      fc.asyncProperty(setupArb(1), frames(junkFrame), (setup, specs) => runScenario(setup, specs)),
      runs(30),
      timeLimit(10_000),
    )
  }, 600_000)

  it('honest frames: real Yjs updates from a replica synced with the room, step 1s, replays, awareness', async () => {
    await check(
      fc.asyncProperty(setupArb(1), frames(honestFrame), (setup, specs) => runScenario(setup, specs)),
      runs(30),
      timeLimit(10_000),
    )
  }, 600_000)

  it('mutated frames: bit flips, byte edits, truncation, varints, splices, repeats, Yjs id/clock/parent/delete-set edits', async () => {
    await check(
      fc.asyncProperty(setupArb(1), frames(mutatedFrame), (setup, specs) => runScenario(setup, specs)),
      runs(40),
      timeLimit(14_000),
    )
  }, 600_000)

  // The same generators again, shrinking toward the smallest input that locks honest clients out
  // (refused, unable to sync, not seeing writes) instead of the smallest that leaves pending state.
  it('mutated frames never lock honest clients out (pending state is reported alongside)', async () => {
    await check(
      fc.asyncProperty(setupArb(1), frames(mutatedFrame), (setup, specs) =>
        runScenario(setup, specs, 'honest-access'),
      ),
      runs(40),
      timeLimit(14_000),
    )
  }, 600_000)

  it('out-of-order updates: a real update sent without its predecessor (which may follow late)', async () => {
    await check(
      fc.asyncProperty(setupArb(1), frames(gapFrame, 3), (setup, specs) => runScenario(setup, specs)),
      runs(15),
      timeLimit(6_000),
    )
  }, 600_000)

  it('out-of-order updates never lock honest clients out (pending state is reported alongside)', async () => {
    await check(
      fc.asyncProperty(setupArb(1), frames(gapFrame, 3), (setup, specs) =>
        runScenario(setup, specs, 'honest-access'),
      ),
      runs(15),
      timeLimit(6_000),
    )
  }, 600_000)

  // The frames commit on their own; a second commit of one field then trips bug (c).
  it('Easel messages: hello, commits and locks, valid and invalid', async () => {
    await check(
      fc.asyncProperty(setupArb(1, true), frames(easelFrame, 5), (setup, specs) => runScenario(setup, specs)),
      runs(30),
      timeLimit(10_000),
    )
  }, 600_000)
})

// ---------------------------------------------------------------------------------------------
// Bug (c) as examples: a field committed twice, then an honest client reconnects
// ---------------------------------------------------------------------------------------------

describe('an honest client that reconnects after a versioned field was committed twice', () => {
  let server: EaselServer
  beforeAll(async () => {
    server = await startServer()
  })
  afterAll(async () => {
    await server.close()
  })

  /** A room with shape s1 whose `field` was committed twice; returns the committing client. */
  async function committedTwice(room: string, field: 'text' | 'deleted') {
    const { client } = await connectProtocolClient(server, room, 'Ada')
    client.addShape('s1')
    for (let i = 0; i < 200 && !server.rooms.get(room)?.doc.getMap('shapes').has('s1'); i++)
      await new Promise((r) => setTimeout(r, 5))
    let token: number | undefined
    if (field === 'text') {
      const granted = client.next((m) => m.t === 'lock.granted')
      client.send({ t: 'lock.acquire', shapeId: 's1', wait: false })
      token = ((await granted) as Extract<ServerMessage, { t: 'lock.granted' }>).token
    }
    const values = field === 'text' ? ['first', 'second'] : [true, false]
    for (let v = 0; v < 2; v++) {
      const r = await client.commit({
        ops: [{ shapeId: 's1', field, baseVersion: v, value: values[v] }],
        ...(token === undefined ? {} : { token }),
      })
      expect(r).toEqual({ status: 'ok', versions: [v + 1] })
    }
    const key = versionedKey('s1', field)
    for (
      let i = 0;
      i < 200 && (versionedMap(client.doc).get(key) as { version?: number } | undefined)?.version !== 2;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 5))
    }
    expect((versionedMap(client.doc).get(key) as { version: number }).version).toBe(2)
    return client
  }

  it.each(['text', 'deleted'] as const)(
    'a raw socket sending the old document as sync step 2 stays connected (%s)',
    async (field) => {
      const room = `reconnect-raw-${field}`
      const ada = await committedTwice(room, field)
      // The reconnecting page: its document already holds everything it saw before the blip.
      const old = new Y.Doc()
      Y.applyUpdate(old, Y.encodeStateAsUpdate(ada.doc))
      const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/${room}`)
      const closed = new Promise<{ code: number; reason: string }>((r) =>
        ws.once('close', (code, reason) => r({ code, reason: reason.toString() })),
      )
      const serverStep1 = new Promise<Uint8Array>((resolve) =>
        ws.on('message', (data: Buffer) => {
          if (data[0] === MessageType.Sync && data[1] === 0) resolve(new Uint8Array(data))
        }),
      )
      await new Promise<void>((r) => ws.once('open', () => r()))
      ws.send(encodeEaselFrame({ t: 'hello', protocol: PROTOCOL_VERSION, name: 'Ada' }))
      ws.send(syncStep1Frame(Y.encodeStateVector(old)))
      // Answer the server's step 1 the way y-protocols does: the diff against its state vector.
      const step1 = await serverStep1
      const d = decoding.createDecoder(step1)
      decoding.readVarUint(d) // message type
      decoding.readVarUint(d) // sync step 1
      const sv = decoding.readVarUint8Array(d)
      const step2 = syncStep2Frame(Y.encodeStateAsUpdate(old, sv))
      ws.send(step2)
      const pong = new Promise<'open'>((r) => ws.once('pong', () => r('open')))
      ws.ping()
      const outcome = await Promise.race([pong, closed])
      ws.terminate()
      ada.close()
      expect(outcome, `sync step 2 ${hex(step2)} was refused`).toBe('open')
    },
  )

  it.each(['text', 'deleted'] as const)(
    'the stock y-websocket provider reconnecting with its document stays connected (%s)',
    async (field) => {
      const room = `reconnect-stock-${field}`
      const ada = await committedTwice(room, field)
      const first = stockProvider(server, room)
      await first.synced
      for (
        let i = 0;
        i < 200 &&
        (versionedMap(first.doc).get(versionedKey('s1', field)) as { version?: number } | undefined)
          ?.version !== 2;
        i++
      ) {
        await new Promise((r) => setTimeout(r, 5))
      }
      first.destroy()
      const again = stockProvider(server, room, first.doc)
      await Promise.race([again.synced, again.closed])
      insertShape(first.doc, 'probe', RECT)
      for (
        let i = 0;
        i < 100 && !server.rooms.get(room)?.doc.getMap('shapes').has('probe') && again.closes.length === 0;
        i++
      ) {
        await new Promise((r) => setTimeout(r, 10))
      }
      again.destroy()
      ada.close()
      expect(again.closes).toEqual([])
      expect(server.rooms.get(room)?.doc.getMap('shapes').has('probe') ?? false).toBe(true)
    },
  )
})

// ---------------------------------------------------------------------------------------------
// Malformed upgrade URLs against the real server process
// ---------------------------------------------------------------------------------------------

const urlToken = fc.oneof(
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), weight: 4 },
  { arbitrary: fc.nat(255).map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`), weight: 3 },
  fc.constantFrom(
    '%',
    '%E0%A4%A',
    '%zz',
    '%G0',
    '%C0%AF',
    '%ED%A0%80',
    '%F4%90%80%80',
    '%00',
    '%2F',
    '%25',
    '%FF',
    '%E0%A4',
  ),
  fc.constantFrom('/', '..', '.', '?', '#', '?x=%', '//', ';', '@', ':', '\\', '~'),
  fc.integer({ min: 60, max: 3000 }).map((n) => 'a'.repeat(n)),
  fc.string({ unit: 'grapheme', maxLength: 3 }),
  fc.string({ maxLength: 3 }),
)
const upgradePath = fc
  .tuple(
    fc.oneof(
      { arbitrary: fc.constant('/ws/'), weight: 8 },
      fc.constantFrom(
        '/ws',
        '/WS/',
        '//ws/',
        '/ws//',
        '/wsx/',
        '/',
        '',
        '*',
        'http://127.0.0.1/ws/',
        '/ws/../ws/',
        '/%77s/',
        '//',
        '/ws%2F',
      ),
    ),
    fc.array(urlToken, { maxLength: 5 }),
  )
  .map(([prefix, tokens]) => prefix + tokens.join(''))

type Child = Awaited<ReturnType<typeof spawnServer>> & { output: string[] }

async function spawnChild(): Promise<Child> {
  // Every request of the fuzzer comes from 127.0.0.1, far faster than the per-address budget.
  const child = (await spawnServer(tempDir('easel-url-fuzz-'), [
    ...['--connect-rate-per-ip', '100000', '--connect-burst-per-ip', '100000'],
  ])) as Child
  child.output = []
  child.proc.stderr!.on('data', (d) => child.output.push(String(d)))
  child.proc.stdout!.on('data', (d) => child.output.push(String(d)))
  return child
}

/** Sends a raw upgrade request; resolves with the status line and any WebSocket close code. */
function rawUpgrade(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      const all = Buffer.concat(chunks)
      const headEnd = all.indexOf('\r\n\r\n')
      const status = all.subarray(0, Math.max(0, all.indexOf('\r\n'))).toString('latin1') || '(no response)'
      const body = headEnd >= 0 ? all.subarray(headEnd + 4) : Buffer.alloc(0)
      const close =
        body[0] === 0x88 && body.length >= 4
          ? ` then close ${body.readUInt16BE(2)} "${body.subarray(4, 2 + (body[1]! & 0x7f)).toString()}"`
          : ''
      resolve(status + close)
    }
    let waiting = false
    const timer = setTimeout(finish, 1000)
    socket.on('data', (d) => {
      chunks.push(d)
      const s = Buffer.concat(chunks)
      if (!s.includes('\r\n\r\n')) return
      if (!s.toString('latin1').startsWith('HTTP/1.1 101')) return finish()
      const body = s.subarray(s.indexOf('\r\n\r\n') + 4)
      if (body[0] === 0x88 && body.length >= 2 + (body[1]! & 0x7f)) return finish()
      if (!waiting) {
        waiting = true
        setTimeout(finish, 100) // give the server a moment for its close frame
      }
    })
    socket.on('close', finish)
    socket.on('error', finish)
    socket.write(
      Buffer.from(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        'utf8',
      ),
    )
  })
}

describe('malformed upgrade URLs (real server process)', () => {
  let child: Child | undefined
  afterAll(async () => {
    if (child && child.proc.exitCode === null) {
      child.proc.kill('SIGTERM')
      await child.exited
    }
  })

  it('the server keeps serving after any upgrade request, and honest clients still sync', async () => {
    await check(
      fc.asyncProperty(upgradePath, async (path) => {
        if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null)
          child = await spawnChild()
        const c = child
        c.output.length = 0
        const port = Number(new URL(c.url).port)
        const answer = await rawUpgrade(port, path)
        if (process.env.FUZZ_DEBUG) console.log(`${JSON.stringify(path).slice(0, 80)} -> ${answer}`)
        await new Promise((r) => setTimeout(r, 10))
        const where = `upgrade request "GET ${path}" (hex ${hex(Buffer.from(path, 'utf8'), 200)}) answered ${answer}`
        const exited = () => c.proc.exitCode !== null || c.proc.signalCode !== null
        const crash = () => {
          const lines = c.output.join('').split('\n').filter(Boolean)
          const tail = [...lines.filter((l) => /Error/.test(l)).slice(0, 3), ...lines.slice(-6)].join(
            '\n    ',
          )
          return new Error(
            `${where}: the server process exited with ${c.proc.exitCode ?? c.proc.signalCode}:\n    ${tail}`,
          )
        }
        if (exited()) throw crash()
        // The real process: healthz, then honest clients in a room.
        try {
          await checkInvariants({ url: c.url } as EaselServer, 'url-fuzz-room')
        } catch (err) {
          await new Promise((r) => setTimeout(r, 100))
          if (exited()) throw crash()
          throw new Error(`${where}: ${(err as Error).message}`)
        }
      }),
      RUNS > 0 ? RUNS * 4 : 150,
      timeLimit(9_000),
    )
  }, 600_000)
})
