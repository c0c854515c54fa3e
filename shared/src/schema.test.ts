import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  type CrdtProps,
  insertShape,
  migrateDoc,
  readShape,
  readShapes,
  SCHEMA_VERSION,
  shapesMap,
  tierOf,
  VERSIONED_DEFAULTS,
  VERSIONED_FIELDS,
  versionedValue,
  versionedKey,
  versionedMap,
} from './schema.ts'

const rect: CrdtProps = {
  kind: 'rect',
  x: 10,
  y: 20,
  w: 100,
  h: 50,
  rotation: 0,
  z: 'a0',
  stroke: '#1e1e1e',
  fill: 'transparent',
  strokeWidth: 2,
  opacity: 1,
}

describe('field tiers', () => {
  it('declares text as leased and deletion, bindings and grouping as versioned', () => {
    expect(tierOf('text')).toBe('leased')
    expect([...VERSIONED_FIELDS].sort()).toEqual(['binding', 'deleted', 'locked', 'parent', 'text'])
    expect(VERSIONED_FIELDS.map(tierOf)).toEqual([
      'versioned',
      'versioned',
      'versioned',
      'versioned',
      'leased',
    ])
    expect(tierOf('x')).toBe('crdt')
    expect(tierOf('kind')).toBe('crdt')
  })
})

describe('versioned defaults', () => {
  it('come from the tier table; a commit must still carry a value of the right type', () => {
    expect(VERSIONED_DEFAULTS).toEqual({
      deleted: false,
      binding: { start: null, end: null },
      parent: null,
      locked: false,
      text: '',
    })
    expect(versionedValue('deleted').safeParse(undefined).success).toBe(false)
    expect(versionedValue('locked').safeParse('yes').success).toBe(false)
    expect(versionedValue('text').safeParse(undefined).success).toBe(false)
    expect(versionedValue('parent').safeParse(null).success).toBe(true)
    expect(versionedValue('binding').safeParse({ start: 'a' }).success).toBe(false)
  })
})

describe('readShape', () => {
  it('accepts a valid shape and fills versioned defaults', () => {
    const r = readShape('s1', rect, null)
    expect(r.ok && r.shape).toMatchObject({
      id: 's1',
      x: 10,
      deleted: false,
      text: '',
      versions: { text: 0 },
    })
  })

  const bad: [string, unknown][] = [
    ['an unknown kind', { ...rect, kind: 'hexagon' }],
    ['a string coordinate', { ...rect, x: '10' }],
    ['NaN', { ...rect, y: Number.NaN }],
    ['a huge coordinate', { ...rect, x: 1e12 }],
    ['a negative width', { ...rect, w: -1 }],
    ['opacity above 1', { ...rect, opacity: 2 }],
    ['a colour that is not a colour', { ...rect, stroke: 'url(javascript:x)' }],
    ['a missing z index', { ...rect, z: undefined }],
    ['not an object', 42],
    ['null', null],
  ]
  for (const [what, props] of bad) {
    it(`rejects ${what} with a reason instead of throwing`, () => {
      const r = readShape('s1', props, null)
      expect(r.ok).toBe(false)
      expect(!r.ok && r.error.length).toBeGreaterThan(0)
    })
  }

  it('rejects an invalid shape id', () => {
    expect(readShape('bad id!', rect, null).ok).toBe(false)
  })

  it('reads versioned values and versions, and rejects a malformed versioned entry', () => {
    const doc = new Y.Doc()
    const v = versionedMap(doc)
    v.set(versionedKey('s1', 'text'), { version: 3, value: 'hello', by: 'Ada', at: 1 })
    const r = readShape('s1', rect, v)
    expect(r.ok && r.shape.text).toBe('hello')
    expect(r.ok && r.shape.versions.text).toBe(3)
    v.set(versionedKey('s1', 'deleted'), { version: 1, value: 'yes', by: 'Ada', at: 1 })
    expect(readShape('s1', rect, v).ok).toBe(false)
  })

  it('fills the fields never committed with their defaults at version 0', () => {
    const doc = new Y.Doc()
    const v = versionedMap(doc)
    v.set(versionedKey('s1', 'parent'), { version: 2, value: 'g1', by: 'Ada', at: 1 })
    const r = readShape('s1', rect, v)
    expect(r.ok && r.shape).toMatchObject({
      parent: 'g1',
      deleted: false,
      binding: { start: null, end: null },
      text: '',
      versions: { parent: 2, deleted: 0, binding: 0, locked: 0, text: 0 },
    })
  })

  it('rejects a committed entry without a value instead of taking the default', () => {
    const doc = new Y.Doc()
    const v = versionedMap(doc)
    v.set(versionedKey('s1', 'deleted'), { version: 1, by: 'Ada', at: 1 })
    const r = readShape('s1', rect, v)
    expect(!r.ok && r.error).toBe('invalid versioned field deleted')
  })
})

describe('readShapes', () => {
  it('skips and reports invalid shapes, sorts by z index', () => {
    const doc = new Y.Doc()
    insertShape(doc, 'top', { ...rect, z: 'a2' })
    insertShape(doc, 'bottom', { ...rect, z: 'a1' })
    const broken = new Y.Map<unknown>()
    shapesMap(doc).set('broken', broken)
    broken.set('kind', 'rect')
    const { shapes, invalid } = readShapes(doc)
    expect(shapes.map((s) => s.id)).toEqual(['bottom', 'top'])
    expect(invalid.map((i) => i.id)).toEqual(['broken'])
  })

  it('insertShape refuses invalid props', () => {
    expect(() => insertShape(new Y.Doc(), 's', { ...rect, w: -5 })).toThrow()
  })
})

describe('migrateDoc', () => {
  it('stamps a fresh document with the current version', () => {
    const doc = new Y.Doc()
    expect(migrateDoc(doc, null)).toBe(SCHEMA_VERSION)
    expect(doc.getMap('meta').get('schemaVersion')).toBe(SCHEMA_VERSION)
  })

  it('runs each pending migration once, in order', () => {
    const doc = new Y.Doc()
    doc.getMap('meta').set('schemaVersion', 1)
    insertShape(doc, 's', rect)
    const ran: number[] = []
    const migrations = [
      { from: 2, up: () => ran.push(2) },
      {
        from: 1,
        up: (d: Y.Doc) => {
          ran.push(1)
          shapesMap(d).get('s')!.set('strokeWidth', 4)
        },
      },
    ]
    expect(migrateDoc(doc, null, migrations, 3)).toBe(3)
    expect(ran).toEqual([1, 2])
    expect(shapesMap(doc).get('s')!.get('strokeWidth')).toBe(4)
    expect(migrateDoc(doc, null, migrations, 3)).toBe(3)
    expect(ran).toEqual([1, 2])
  })

  it('refuses a document newer than the code', () => {
    const doc = new Y.Doc()
    doc.getMap('meta').set('schemaVersion', SCHEMA_VERSION + 1)
    expect(() => migrateDoc(doc, null)).toThrow(/newer/)
  })
})
