import { insertShape, shapesMap } from '@easel/shared'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { rectProps as rect } from '../../testing/rectProps.ts'
import { ReadModel } from './readModel.ts'

function model() {
  const doc = new Y.Doc()
  const store = new ReadModel({
    doc,
    pendingOf: () => undefined,
    overrideOf: () => undefined,
    onChange: () => {},
  })
  store.start()
  return { doc, store }
}

describe('ReadModel.changesSince', () => {
  it('reports each changed shape once, with whether it was shown before', () => {
    const { doc, store } = model()
    insertShape(doc, 'a', rect())
    insertShape(doc, 'b', rect())
    const v = store.version
    expect(store.changesSince(v)).toEqual([])
    shapesMap(doc).get('a')!.set('x', 5)
    insertShape(doc, 'c', rect())
    shapesMap(doc).get('a')!.set('x', 6)
    shapesMap(doc).get('c')!.set('x', 6)
    store.patch('b', { y: 9 })
    expect(store.changesSince(v)).toEqual([
      { id: 'a', existed: true },
      { id: 'c', existed: false },
      { id: 'b', existed: true },
    ])
    const w = store.version
    shapesMap(doc).delete('b')
    expect(store.changesSince(w)).toEqual([{ id: 'b', existed: true }])
    expect(store.has('b')).toBe(false)
  })

  it('says it cannot tell (null) for a version whose changes were dropped from the log', () => {
    const { doc, store } = model()
    insertShape(doc, 'a', rect())
    const v = store.version
    for (let i = 0; i < 10_000; i++) store.patch('a', { x: i })
    expect(store.changesSince(v)).toBeNull()
    const w = store.version
    store.patch('a', { x: -1 })
    expect(store.changesSince(w)).toEqual([{ id: 'a', existed: true }])
  })
})
