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

/** A flush queue whose turn ends when the test says so. */
function manualTurns() {
  const pending: (() => void)[] = []
  return {
    queue: new FlushQueue((fn) => pending.push(fn)),
    endTurn: () => {
      for (const f of pending.splice(0)) f()
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
})
