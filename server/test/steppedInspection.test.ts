import { insertShape, shapesMap } from '@easel/shared'
import { RECT } from '@easel/testkit/protocolClient.ts'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { PROTECTION, STEPPED_INSPECTION_BYTES } from '../src/ClientFrames.ts'
import { inspectUpdate, inspectUpdateInSteps } from '../src/protectedState.ts'
import { MemoryServer } from './memoryRoom.ts'

const SHAPES = 20_000

describe('a large update is inspected in steps', () => {
  it("another room's frame is answered before a 20 000-shape update is applied", async () => {
    const server = new MemoryServer()
    const importer = await server.connect('import')
    const neighbour = await server.connect('neighbour')
    const importRoom = server.rooms.get('import')!

    const events: string[] = []
    importRoom.doc.on('update', () => events.push('import applied'))
    const toClient = neighbour.toClient
    toClient.push = (...frames: Uint8Array[]) => {
      events.push('neighbour answered')
      return Array.prototype.push.apply(toClient, frames)
    }

    importer.doc.transact(() => {
      for (let i = 0; i < SHAPES; i++) insertShape(importer.doc, `s${i}`, { ...RECT, x: i })
    })
    expect(importer.toServer[0]!.byteLength).toBeGreaterThan(STEPPED_INSPECTION_BYTES)
    // The import's frame first, then the neighbour's sync step 1 (it wants an answer).
    importer.deliverToServer()
    neighbour.sendSyncStep1()
    neighbour.deliverToServer()
    await server.quiet()

    expect(events[0]).toBe('neighbour answered')
    expect(events).toContain('import applied')
    expect(shapesMap(importRoom.doc).size).toBe(SHAPES)
  })

  it('gives the same verdicts as the inspection in one go, and re-inspects if the document changed meanwhile', async () => {
    const doc = new Y.Doc()
    insertShape(doc, 'existing', RECT)
    const client = new Y.Doc()
    Y.applyUpdate(client, Y.encodeStateAsUpdate(doc))
    const before = Y.encodeStateVector(client)
    client.transact(() => {
      for (let i = 0; i < 3_000; i++) insertShape(client, `s${i}`, { ...RECT, x: i })
    })
    const good = Y.encodeStateAsUpdate(client, before)
    let pauses = 0
    const pause = () => {
      pauses++
      return Promise.resolve()
    }
    expect(await inspectUpdateInSteps(doc, good, PROTECTION, pause)).toEqual({ kind: 'ok' })
    expect(pauses).toBeGreaterThan(10)

    // Replacing the existing shape is refused, however the inspection is run.
    client.transact(() => shapesMap(client).set('existing', new Y.Map()))
    const bad = Y.encodeStateAsUpdate(client, before)
    const once = inspectUpdate(doc, bad, PROTECTION)
    expect(once.kind).toBe('forbidden')
    expect(await inspectUpdateInSteps(doc, bad, PROTECTION, pause)).toEqual(once)

    // A shape the update creates appears in the document while the inspection waits: creating
    // it again is now a replacement, and the verdict says so.
    const fresh = new Y.Doc()
    Y.applyUpdate(fresh, Y.encodeStateAsUpdate(doc))
    const freshBefore = Y.encodeStateVector(fresh)
    fresh.transact(() => {
      for (let i = 0; i < 3_000; i++) insertShape(fresh, `t${i}`, { ...RECT, x: i })
    })
    const racing = Y.encodeStateAsUpdate(fresh, freshBefore)
    // The document changes at the last pause, after the update's own shapes were checked.
    let steps = 0
    expect(
      await inspectUpdateInSteps(doc, racing, PROTECTION, () => {
        steps++
        return undefined
      }),
    ).toEqual({ kind: 'ok' })
    let at = 0
    const verdict = await inspectUpdateInSteps(doc, racing, PROTECTION, () => {
      if (++at === steps) insertShape(doc, 't5', RECT)
      return undefined
    })
    expect(verdict.kind).toBe('forbidden')
  })
})
