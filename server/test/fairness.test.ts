import { RECT } from '@easel/testkit/protocolClient.ts'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { insertShape } from '@easel/shared'
import { nextTurn, SLICE_MS, sliceSpent } from '../src/fairness.ts'
import { MemoryServer } from './memoryRoom.ts'

describe('fair sharing of the event loop between rooms', () => {
  it('a slice is spent after SLICE_MS within one turn, and starts again on the next turn', async () => {
    await nextTurn()
    expect(sliceSpent(1000)).toBe(false)
    expect(sliceSpent(1000 + SLICE_MS / 2)).toBe(false)
    expect(sliceSpent(1000 + SLICE_MS + 1)).toBe(true)
    await nextTurn()
    expect(sliceSpent(5000)).toBe(false)
  })

  it("a room with a long queue lets the event loop run other rooms' I/O before it is done", async () => {
    const server = new MemoryServer()
    const flooder = await server.connect('flooded')
    // 100 updates of 20 shapes each: far more work than one slice.
    for (let u = 0; u < 100; u++) {
      flooder.doc.transact(() => {
        for (let i = 0; i < 20; i++) insertShape(flooder.doc, `s${u}-${i}`, { ...RECT, x: i })
      })
    }
    flooder.deliverToServer()
    const room = server.rooms.get('flooded')!
    expect(room.busy).toBe(true)
    // Without slices the queued tasks run back to back as microtasks: the next turn of the loop
    // (when other sockets are read) would come only after the last of them.
    let busyAtNextTurn: boolean | null = null
    setImmediate(() => {
      busyAtNextTurn = room.busy
    })
    await server.quiet()
    expect(busyAtNextTurn).toBe(true)
    // And nothing of the flood was lost by yielding.
    const check = new Y.Doc()
    Y.applyUpdate(check, Y.encodeStateAsUpdate(room.doc))
    expect(check.getMap('shapes').size).toBe(100 * 20)
  })
})
