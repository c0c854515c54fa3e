import { type CrdtProps, insertShape, readShapes, shapesMap, versionedKey, versionedMap } from '@easel/shared'
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { Editor } from '../editor/Editor.ts'
import { toBoardFile } from '../editor/exportBoard.ts'
import { FakeRoom } from '../testing/FakeRoom.ts'
import { rectProps as rect } from '../testing/rectProps.ts'
import {
  applyRecovery,
  deleteStash,
  planRecovery,
  readStash,
  type StashedShape,
  writeStash,
} from './recovery.ts'
import { reloadFromServer } from './reloadFromServer.ts'

const stashed = (id: string, over: Partial<CrdtProps> = {}, text?: string): StashedShape => ({
  ...rect(over),
  id,
  ...(text === undefined ? {} : { text }),
})

function memoryStorage(limit = Number.POSITIVE_INFINITY) {
  const m = new Map<string, string>()
  return {
    map: m,
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => {
      if (v.length > limit) throw new DOMException('quota', 'QuotaExceededError')
      m.set(k, v)
    },
    removeItem: (k: string) => void m.delete(k),
  }
}

function setVersioned(doc: Y.Doc, id: string, field: 'deleted' | 'text', value: unknown): void {
  versionedMap(doc).set(versionedKey(id, field), { version: 1, value, by: 'Bob', at: 0 })
}

describe('planRecovery', () => {
  it('re-creates missing shapes, writes differing tier-1 props, lists differing text, leaves the rest', () => {
    const server = new Y.Doc()
    insertShape(server, 'same', rect())
    insertShape(server, 'moved', rect({ x: 10, points: [0, 0, 5, 5] }))
    setVersioned(server, 'moved', 'text', 'theirs')
    insertShape(server, 'gone', rect())
    setVersioned(server, 'gone', 'deleted', true)
    shapesMap(server).set('broken', new Y.Map([['kind', 'nonsense']]) as Y.Map<unknown>)

    const plan = planRecovery(
      [
        stashed('same'),
        stashed('moved', { x: 99, points: [0, 0, 7, 7], createdBy: 'me' }, 'mine'),
        stashed('missing', { fill: '#ff0000' }, 'hello'),
        stashed('gone', { x: 5 }),
        stashed('broken'),
        stashed('bad id!'),
      ],
      readShapes(server),
    )
    expect(plan.create.map((s) => s.id)).toEqual(['missing'])
    // createdBy says who made the shape, not how it looks: never "re-applied".
    expect(plan.update).toEqual([{ id: 'moved', props: { x: 99, points: [0, 0, 7, 7] } }])
    expect(plan.textDiffers).toEqual([{ id: 'moved', kind: 'rect', mine: 'mine', theirs: 'theirs' }])
    expect(plan.deletedOnServer).toEqual(['gone'])
    expect(plan.unreadable).toEqual(['broken', 'bad id!'])
  })

  it('finds nothing to do when the stash equals the server (no text counts as empty text)', () => {
    const server = new Y.Doc()
    insertShape(server, 's1', rect({ x: 3 }))
    const plan = planRecovery([stashed('s1', { x: 3 })], readShapes(server))
    expect(plan).toEqual({ create: [], update: [], textDiffers: [], deletedOnServer: [], unreadable: [] })
  })
})

describe('applyRecovery', () => {
  const settle = async (room: FakeRoom) => {
    for (let i = 0; i < 10; i++) {
      room.deliver()
      await new Promise((r) => setTimeout(r, 0))
    }
  }

  it('merges the stash into the synced board through normal operations', async () => {
    const room = new FakeRoom()
    const bob = room.join('Bob')
    const bobEditor = new Editor(bob.doc, {
      user: { id: 'bob', name: 'Bob', color: '#000' },
      commits: bob.commits,
      scheduleFrame: (cb) => cb(),
    })
    const kept = bobEditor.createShape('sticky', { x: 0, y: 0, w: 200, h: 200 })
    const committed = bobEditor.commit(
      { opId: 'op-bob-1', ops: [{ shapeId: kept, field: 'text', baseVersion: 0, value: 'server text' }] },
      'edit text',
    )
    await settle(room)
    expect(await committed).toMatchObject({ status: 'ok' })

    // Alice reloaded from the server; her stash has Bob's sticky moved with other text, and a new shape.
    const alice = room.join('Alice')
    const editor = new Editor(alice.doc, {
      user: { id: 'alice', name: 'Alice', color: '#111' },
      commits: alice.commits,
      scheduleFrame: (cb) => cb(),
    })
    const sticky = editor.getShape(kept)!
    const stash = toBoardFile([
      { ...sticky, x: 300, text: 'my text' },
      { ...sticky, id: 'newshape001', kind: 'text', x: -50, text: 'brand new' },
    ]).shapes
    const commit = vi.spyOn(editor, 'commit')

    const plan = applyRecovery(editor, stash)
    await settle(room)

    expect(plan.textDiffers).toEqual([{ id: kept, kind: 'sticky', mine: 'my text', theirs: 'server text' }])
    const onServer = new Map(readShapes(room.server).shapes.map((s) => [s.id, s]))
    expect(onServer.get(kept)).toMatchObject({ x: 300, text: 'server text' })
    expect(onServer.get('newshape001')).toMatchObject({ kind: 'text', x: -50, text: 'brand new' })
    // The new shape's text went as a first-version commit; the differing text was not committed.
    expect(commit).toHaveBeenCalledTimes(1)
    expect(commit.mock.calls[0]![0].ops).toEqual([
      { shapeId: 'newshape001', field: 'text', baseVersion: 0, value: 'brand new' },
    ])
    // The tier-1 write is the user's own, undoable step.
    editor.undo()
    await settle(room)
    expect(readShapes(room.server).shapes.find((s) => s.id === kept)).toMatchObject({ x: 0 })
    bobEditor.destroy()
    editor.destroy()
  })
})

describe('stash', () => {
  it('round-trips the board file, drops an unreadable one, and can be deleted', () => {
    const storage = memoryStorage()
    const file = JSON.stringify(toBoardFile([]))
    expect(readStash(storage, 'r1')).toBeNull()
    expect(writeStash(storage, 'r1', JSON.stringify({ ...toBoardFile([]), shapes: [stashed('a1')] }))).toBe(
      true,
    )
    expect(readStash(storage, 'r1')?.map((s) => s.id)).toEqual(['a1'])
    deleteStash(storage, 'r1')
    expect(readStash(storage, 'r1')).toBeNull()
    storage.setItem('easel:recovered:r1', '{not json')
    expect(readStash(storage, 'r1')).toBeNull()
    expect(storage.map.has('easel:recovered:r1')).toBe(false)
    expect(writeStash(memoryStorage(file.length - 1), 'r1', file)).toBe(false)
  })
})

describe('reloadFromServer', () => {
  it('stashes, clears the local copy and the queued commits, then reloads', async () => {
    const storage = memoryStorage()
    storage.setItem('easel:commits:r1', '[]')
    storage.setItem('easel:unsynced:r1', '3')
    storage.setItem('easel:commits:other', '[]')
    const steps: string[] = []
    const sync = {
      room: 'r1',
      // As BoardSync.clearLocalCopy: the local copy and the unsynced counter go.
      clearLocalCopy: async () => {
        steps.push(`clear (stash ${storage.map.has('easel:recovered:r1') ? 'kept' : 'missing'})`)
        storage.removeItem('easel:unsynced:r1')
      },
    }
    const outcome = await reloadFromServer({
      sync,
      storage,
      boardJson: '{"board":1}',
      reload: () => steps.push(`reload (commits ${storage.map.has('easel:commits:r1') ? 'left' : 'gone'})`),
    })
    expect(outcome).toBe('reloading')
    expect(steps).toEqual(['clear (stash kept)', 'reload (commits gone)'])
    expect(storage.map.get('easel:recovered:r1')).toBe('{"board":1}')
    expect(storage.map.has('easel:unsynced:r1')).toBe(false)
    expect(storage.map.has('easel:commits:other')).toBe(true)
  })

  it('touches nothing when the stash does not fit', async () => {
    const storage = memoryStorage(10)
    const clearLocalCopy = vi.fn(async () => {})
    const reload = vi.fn()
    const outcome = await reloadFromServer({
      sync: { room: 'r1', clearLocalCopy },
      storage,
      boardJson: 'x'.repeat(11),
      reload,
    })
    expect(outcome).toBe('too-big')
    expect(clearLocalCopy).not.toHaveBeenCalled()
    expect(reload).not.toHaveBeenCalled()
  })
})
