import { describe, expect, it } from 'vitest'
import { createRequire } from 'node:module'
import { FlushQueue, Outbox, type RawSocket, wsBinaryFrame } from './Outbox.ts'

/** ws's own frame parser (its types do not declare it). */
const { Receiver } = createRequire(import.meta.url)('ws') as {
  Receiver: new (options: {
    isServer: boolean
    maxPayload: number
  }) => {
    on(event: 'message', fn: (data: Buffer, isBinary: boolean) => void): void
    write(chunk: Buffer): void
  }
}

/** A socket that records each system call's chunks (a corked run of writes is one call). */
class FakeSocket implements RawSocket {
  readonly calls: Uint8Array[][] = []
  destroyed = false
  writableLength = 0
  private corked: Uint8Array[] | null = null

  write(chunk: Uint8Array): boolean {
    if (this.corked) this.corked.push(chunk)
    else this.calls.push([chunk])
    return true
  }
  cork(): void {
    this.corked = []
  }
  uncork(): void {
    if (this.corked) this.calls.push(this.corked)
    this.corked = null
  }
  get bytes(): Buffer {
    return Buffer.concat(this.calls.flat())
  }
}

/**
 * A flush queue on a fake clock: a turn ends when the test says so, and time moves only when it
 * advances it (which runs the timers that come due, in order).
 */
function manualTurns(intervalMs = 0) {
  let now = 0
  const endOfTurn: (() => void)[] = []
  let timers: { at: number; fn: () => void }[] = []
  const queue = new FlushQueue(intervalMs, {
    now: () => now,
    endOfTurn: (fn) => endOfTurn.push(fn),
    after: (fn, ms) => timers.push({ at: now + ms, fn }),
  })
  return {
    queue,
    endTurn: () => {
      for (const f of endOfTurn.splice(0)) f()
    },
    advance(ms: number) {
      const until = now + ms
      for (;;) {
        const next = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0]
        if (!next) break
        timers = timers.filter((t) => t !== next)
        now = next.at
        next.fn()
      }
      now = until
    },
    get timersPending() {
      return timers.length
    },
  }
}

/** Decodes a byte stream of server frames with ws's own receiver. */
function decodeFrames(bytes: Buffer): Uint8Array[] {
  const out: Uint8Array[] = []
  const receiver = new Receiver({ isServer: false, maxPayload: 0 })
  receiver.on('message', (data: Buffer, isBinary: boolean) => {
    expect(isBinary).toBe(true)
    out.push(new Uint8Array(data))
  })
  receiver.write(bytes)
  return out
}

function payload(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 255
  return out
}

describe('wsBinaryFrame', () => {
  it('frames payloads of every length class as ws decodes them', () => {
    const sizes = [0, 1, 125, 126, 65_535, 65_536, 200_000]
    const payloads = sizes.map((n, i) => payload(n, i))
    const bytes = Buffer.concat(payloads.flatMap((p) => wsBinaryFrame(p)))
    expect(decodeFrames(bytes)).toEqual(payloads)
  })

  it('frames a payload once, whoever sends it (a broadcast shares the buffer)', () => {
    const p = payload(300, 1)
    expect(wsBinaryFrame(p)).toBe(wsBinaryFrame(p))
  })
})

describe('Outbox', () => {
  it("writes one turn's frames in order with one system call per socket, sharing the broadcast buffer", () => {
    const { queue, endTurn } = manualTurns()
    const a = new FakeSocket()
    const b = new FakeSocket()
    const outA = new Outbox(a, queue, () => true)
    const outB = new Outbox(b, queue, () => true)
    const frames = [payload(10, 1), payload(500, 2), payload(70_000, 3)]
    for (const f of frames) {
      outA.send(f)
      outB.send(f)
    }
    expect(a.calls).toEqual([])
    expect(outA.bufferedBytes).toBe(frames.reduce((n, f) => n + f.byteLength, 0) + 2 + 4 + 10)
    endTurn()
    expect(a.calls).toHaveLength(1)
    expect(b.calls).toHaveLength(1)
    expect(a.calls[0]![0]).toBe(b.calls[0]![0])
    expect(decodeFrames(a.bytes)).toEqual(frames)
    expect(outA.bufferedBytes).toBe(0)
    outA.send(frames[0]!)
    endTurn()
    expect(a.calls).toHaveLength(2)
    expect(decodeFrames(a.bytes)).toEqual([...frames, frames[0]])
  })

  it('flush() writes at once what is queued (before a close frame), and nothing twice', () => {
    const { queue, endTurn } = manualTurns()
    const socket = new FakeSocket()
    const out = new Outbox(socket, queue, () => true)
    out.send(payload(5, 1))
    out.flush()
    expect(decodeFrames(socket.bytes)).toEqual([payload(5, 1)])
    endTurn()
    expect(socket.calls).toHaveLength(1)
  })

  it('drops what is queued once the WebSocket is no longer open', () => {
    const { queue, endTurn } = manualTurns()
    const socket = new FakeSocket()
    let open = true
    const out = new Outbox(socket, queue, () => open)
    out.send(payload(5, 1))
    open = false
    endTurn()
    expect(socket.calls).toEqual([])
    expect(out.bufferedBytes).toBe(0)
  })

  it('writes a socket at most once per flush interval while frames keep coming, the first at once', () => {
    const turns = manualTurns(8)
    const socket = new FakeSocket()
    const out = new Outbox(socket, turns.queue, () => true)
    const frames = Array.from({ length: 7 }, (_, i) => payload(20, i))
    // After a quiet spell: written at the end of the turn, no timer.
    out.send(frames[0]!)
    turns.endTurn()
    expect(socket.calls).toHaveLength(1)
    expect(turns.timersPending).toBe(0)
    // Two frames 3 ms apart, 3 and 6 ms after that write: held until 8 ms after it, then one call.
    turns.advance(3)
    out.send(frames[1]!)
    turns.endTurn()
    turns.advance(3)
    out.send(frames[2]!)
    turns.endTurn()
    expect(socket.calls).toHaveLength(1)
    turns.advance(1)
    expect(socket.calls).toHaveLength(1)
    turns.advance(1)
    expect(socket.calls).toHaveLength(2)
    expect(decodeFrames(Buffer.concat(socket.calls[1]!))).toEqual([frames[1], frames[2]])
    // A frame 2 ms after that flush waits 6 ms more; one 20 ms after the last write goes at once.
    turns.advance(2)
    out.send(frames[3]!)
    turns.advance(5)
    expect(socket.calls).toHaveLength(2)
    turns.advance(1)
    expect(socket.calls).toHaveLength(3)
    turns.advance(20)
    out.send(frames[4]!)
    turns.endTurn()
    expect(socket.calls).toHaveLength(4)
    // Held frames are still written by an explicit flush (before a close), and only once.
    turns.advance(1)
    out.send(frames[5]!)
    out.flush()
    expect(socket.calls).toHaveLength(5)
    turns.advance(10)
    expect(socket.calls).toHaveLength(5)
    out.send(frames[6]!)
    turns.advance(8)
    expect(socket.calls).toHaveLength(6)
    expect(decodeFrames(socket.bytes)).toEqual(frames)
    expect(out.bufferedBytes).toBe(0)
  })
})
