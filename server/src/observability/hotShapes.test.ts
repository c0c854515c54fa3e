import { describe, expect, it } from 'vitest'
import { HotShapes } from './hotShapes.ts'

describe('HotShapes', () => {
  it('ranks by conflicts + lease waits and keeps the totals of each shape', () => {
    let t = 0
    const hot = new HotShapes(100, () => ++t)
    hot.conflict('r', 'a', 'locked')
    for (let i = 0; i < 3; i++) hot.conflict('r', 'b', i === 0 ? 'text' : 'locked')
    hot.leaseWait('r', 'c', 40)
    hot.leaseWait('r', 'c', 10)
    expect(hot.top().map((s) => s.shape)).toEqual(['b', 'c', 'a'])
    expect(hot.top()[0]).toMatchObject({ conflicts: 3, fields: { text: 1, locked: 2 }, leaseWaits: 0 })
    expect(hot.top()[1]).toMatchObject({ leaseWaits: 2, leaseWaitMaxMs: 40, leaseWaitTotalMs: 50 })
    expect(hot.top(1)).toHaveLength(1)
  })

  it('holds at most `max` shapes: a new one evicts the coldest, the hot ones stay', () => {
    let t = 0
    const hot = new HotShapes(3, () => ++t)
    for (let i = 0; i < 5; i++) hot.conflict('r', 'hot', 'locked')
    hot.conflict('r', 'warm', 'locked')
    hot.conflict('r', 'warm', 'locked')
    for (let i = 0; i < 50; i++) hot.conflict('r', `once-${i}`, 'locked')
    expect(hot.size).toBe(3)
    expect(hot.top().map((s) => s.shape)).toEqual(['hot', 'warm', 'once-49'])
  })

  it('keeps rooms apart: the same shape id in two rooms is two entries', () => {
    const hot = new HotShapes(10, () => 0)
    hot.conflict('r1', 's', 'locked')
    hot.conflict('r2', 's', 'locked')
    expect(
      hot
        .top()
        .map((s) => s.room)
        .sort(),
    ).toEqual(['r1', 'r2'])
  })
})
