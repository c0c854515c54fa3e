import { expect, test } from './fixtures.ts'

test('a rectangle drawn by one user appears for another', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [400, 250], [600, 370])
  // The rectangle grows while it is drawn: wait for its final size.
  const [rect] = await bob.waitForShapes(
    (s) => s.length === 1 && s[0]!.kind === 'rect' && s[0]!.w === 200 && s[0]!.h === 120,
    'bob sees the rectangle',
  )
  expect(rect!.w).toBeCloseTo(200, -1)
  expect(rect!.h).toBeCloseTo(120, -1)
  expect(await alice.shapes()).toEqual(await bob.shapes())
})

test('moving a rectangle is seen live by the other user', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [400, 250], [500, 350])
  const [before] = await bob.waitForShapes((s) => s.length === 1 && s[0]!.w === 100 && s[0]!.h === 100)
  await bob.drag([450, 300], [650, 400])
  await alice.waitForShapes(
    (s) => s.length === 1 && Math.abs(s[0]!.x - (before!.x + 200)) < 2,
    'alice sees the move',
  )
  const [after] = await alice.shapes()
  expect(after!.y).toBeCloseTo(before!.y + 100, 0)
})
