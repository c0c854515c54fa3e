import { describe, expect, it } from 'vitest'
import { type Change, HotShapes } from './hotShapes.ts'

/** A board of shape ids `s0`…, with changes to feed the policy as the read model reports them. */
function setup(n = 10, options?: ConstructorParameters<typeof HotShapes>[0]) {
  const shown = new Set(Array.from({ length: n }, (_, i) => `s${i}`))
  const hot = new HotShapes({ coolMs: 1000, maxHot: 3, ...options })
  const exists = (id: string) => shown.has(id)
  return {
    hot,
    shown,
    /** Shapes changed in place (they existed before). */
    change: (now: number, ...ids: string[]) =>
      hot.update(
        ids.map((id): Change => ({ id, existed: true })),
        exists,
        now,
      ),
    create: (now: number, id: string) => {
      shown.add(id)
      return hot.update([{ id, existed: false }], exists, now)
    },
    remove: (now: number, id: string) => {
      shown.delete(id)
      return hot.update([{ id, existed: true }], exists, now)
    },
  }
}

describe('HotShapes', () => {
  it('starts with nothing hot, and an update without changes does nothing', () => {
    const { hot } = setup()
    expect(hot.update([], () => true, 0)).toBe(false)
    expect(hot.size).toBe(0)
    expect(hot.nextCoolAt()).toBeNull()
  })

  it('re-renders the bitmap once when a shape becomes hot, not on its later changes', () => {
    const { hot, change } = setup()
    expect(change(10, 's4')).toBe(true)
    expect([...hot.ids()]).toEqual(['s4'])
    expect(hot.hotVersion).toBe(1)
    for (let t = 43; t < 900; t += 33) expect(change(t, 's4')).toBe(false)
    expect(hot.hotVersion).toBe(1)
    expect(hot.coldVersion).toBe(0)
  })

  it('cools a shape after coolMs without change, with one re-render', () => {
    const { hot, change } = setup()
    change(100, 's1')
    change(600, 's1')
    expect(hot.nextCoolAt()).toBe(1600)
    expect(hot.cool(1599)).toBe(false)
    expect(hot.isHot('s1')).toBe(true)
    expect(hot.cool(1600)).toBe(true)
    expect(hot.isHot('s1')).toBe(false)
    expect(hot.hotVersion).toBe(2)
    expect(hot.nextCoolAt()).toBeNull()
    expect(hot.cool(5000)).toBe(false)
  })

  it('cools shapes that stopped at about the same time together, keeps one still moving', () => {
    const { hot, change } = setup()
    change(0, 's1', 's2', 's3')
    change(400, 's2') // stopped 400 ms after s1
    change(900, 's3') // still moving
    const before = hot.hotVersion
    expect(hot.cool(1000)).toBe(true)
    expect([...hot.ids()]).toEqual(['s3'])
    expect(hot.hotVersion).toBe(before + 1)
  })

  it('draws a new shape live without re-rendering the bitmap (it is not in it)', () => {
    const { hot, create } = setup()
    expect(create(10, 'new')).toBe(false)
    expect(hot.isHot('new')).toBe(true)
    // Cooling puts it into the bitmap.
    expect(hot.cool(2000)).toBe(true)
    expect(hot.hotVersion).toBe(1)
  })

  it('drops a hot shape that is deleted without a re-render; a cold one deleted re-renders', () => {
    const { hot, change, remove } = setup()
    change(10, 's0')
    const { hotVersion, coldVersion } = hot
    expect(remove(20, 's0')).toBe(false)
    expect(hot.size).toBe(0)
    expect(hot.nextCoolAt()).toBeNull()
    expect(hot.hotVersion).toBe(hotVersion)
    expect(remove(30, 's3')).toBe(true)
    expect(hot.coldVersion).toBe(coldVersion + 1)
  })

  it('ignores a shape created and deleted between two updates', () => {
    const { hot } = setup()
    expect(hot.update([{ id: 'gone', existed: false }], () => false, 10)).toBe(false)
    expect(hot.size).toBe(0)
  })

  it('keeps at most maxHot shapes hot; changes that do not fit re-render the bitmap (the fallback)', () => {
    const { hot, change } = setup()
    change(10, 's0', 's1')
    expect(hot.hotVersion).toBe(1)
    change(20, 's2')
    expect(hot.size).toBe(3)
    expect(hot.coldVersion).toBe(0)
    // The hot ones keep moving for free; a cold one changing re-renders and stays cold.
    change(30, 's0', 's1', 's2')
    expect(hot.coldVersion).toBe(0)
    expect(change(40, 's9')).toBe(true)
    expect(hot.coldVersion).toBe(1)
    expect(hot.isHot('s9')).toBe(false)
  })

  it('puts a batch bigger than the room left into the bitmap whole, with one re-render', () => {
    const { hot, change, create } = setup()
    change(10, 's0')
    const { hotVersion } = hot
    // An import or a paste of many shapes at once.
    expect(change(20, 's0', 's1', 's2', 's3', 's4')).toBe(true)
    expect([...hot.ids()]).toEqual(['s0'])
    expect(hot.coldVersion).toBe(1)
    expect(hot.hotVersion).toBe(hotVersion)
    // Still room for one more on its own.
    create(30, 'new')
    expect(hot.isHot('new')).toBe(true)
  })

  it('starts over when the changes are unknown: nothing hot, both versions bumped', () => {
    const { hot, change } = setup()
    change(10, 's1', 's2')
    const { hotVersion, coldVersion } = hot
    expect(hot.update(null, () => true, 20)).toBe(true)
    expect(hot.size).toBe(0)
    expect(hot.hotVersion).toBe(hotVersion + 1)
    expect(hot.coldVersion).toBe(coldVersion + 1)
  })

  it('coolAll empties the set with one re-render, and is a no-op when nothing is hot', () => {
    const { hot, change } = setup()
    hot.coolAll()
    expect(hot.hotVersion).toBe(0)
    change(10, 's1', 's2')
    hot.coolAll()
    expect(hot.size).toBe(0)
    expect(hot.hotVersion).toBe(2)
  })
})
