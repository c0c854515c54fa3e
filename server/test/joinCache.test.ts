import { insertShape, shapesMap } from '@easel/shared'
import { RECT } from '@easel/testkit/protocolClient.ts'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MemoryServer } from './memoryRoom.ts'

describe("joiners share the room's encoded state", () => {
  it('encodes an unchanged board once for many joiners, and a change is seen by the next joiner', async () => {
    const server = new MemoryServer()
    const writer = await server.connect('board')
    writer.doc.transact(() => {
      for (let i = 0; i < 200; i++) insertShape(writer.doc, `s${i}`, { ...RECT, x: i })
    })
    await server.settle()
    const room = server.rooms.get('board')!
    const before = room.stateEncodings

    const joiners = []
    for (let i = 0; i < 5; i++) joiners.push(await server.connect('board', { label: `joiner-${i}` }))
    for (const j of joiners) expect(shapesMap(j.doc).size).toBe(200)
    expect(room.stateEncodings - before).toBe(1)

    // A change between joins: the next joiner gets it (the cache was dropped), then it is shared again.
    writer.addShape('late', { x: 999 })
    await server.settle()
    const late = await server.connect('board', { label: 'late' })
    const later = await server.connect('board', { label: 'later' })
    for (const j of [late, later]) {
      expect(shapesMap(j.doc).size).toBe(201)
      expect((shapesMap(j.doc).get('late') as Y.Map<unknown>).get('x')).toBe(999)
    }
    expect(room.stateEncodings - before).toBe(2)
  })

  it('a client that has part of the board gets only what it lacks', async () => {
    const server = new MemoryServer()
    const writer = await server.connect('board')
    writer.addShape('a')
    await server.settle()
    const doc = new Y.Doc()
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(writer.doc))
    writer.addShape('b')
    await server.settle()
    const room = server.rooms.get('board')!
    const before = room.stateEncodings
    const back = await server.connect('board', { doc, label: 'back' })
    expect([...shapesMap(back.doc).keys()].sort()).toEqual(['a', 'b'])
    // Encoded as a difference against its state vector, not from the cached whole state.
    expect(room.stateEncodings).toBe(before)
  })
})
