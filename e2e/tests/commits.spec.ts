import type { BoardPage, ShapeJson } from './fixtures.ts'
import { expect, test, waitForConvergence } from './fixtures.ts'

const pending = (u: BoardPage) => u.page.evaluate(() => window.__easel!.pendingCommits())

/** Places a sticky note at a canvas point and types its text. */
async function sticky(u: BoardPage, at: [number, number], text: string): Promise<ShapeJson> {
  await u.tool('sticky').click()
  await u.click(...at)
  await u.typeText(text)
  const shapes = await u.waitForShapes(
    (s) => s.some((x) => x.kind === 'sticky' && x.text === text),
    'sticky saved',
  )
  return shapes.find((x) => x.kind === 'sticky' && x.text === text)!
}

/** Alice draws a rectangle and an ellipse, Bob has both, then Alice's network drops. */
async function twoShapesThenOffline(openUser: (name: string) => Promise<BoardPage>) {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [400, 300], [500, 400])
  await alice.draw('ellipse', [700, 300], [800, 400])
  const [rect, ellipse] = await waitForConvergence([alice, bob], (s) => s.length === 2)
  await alice.setOffline(true)
  // The socket must really be down, or the commits would reach the server at once.
  await expect(alice.page.getByTestId('connection-status')).toHaveAttribute('data-status', 'offline')
  return { alice, bob, rect: rect!, ellipse: ellipse! }
}

test('A deletes a note while B has just changed its text: A is told, the note stays for both', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  const note = await sticky(alice, [640, 400], 'Draft agenda')
  await bob.waitForShapes((s) => s.some((x) => x.id === note.id && x.text === 'Draft agenda'))

  // Alice's connection drops; she deletes the note, not knowing Bob is changing it.
  await alice.setOffline(true)
  // The socket must really be down, or the delete would reach the server before Bob's edit.
  await expect(alice.page.getByTestId('connection-status')).toHaveAttribute('data-status', 'offline')
  await alice.clickShape(note)
  await alice.press('Delete')
  await alice.waitForShapes((s) => !s.some((x) => x.id === note.id), 'hidden for Alice at once')
  expect(await pending(alice)).toBe(1)

  // Bob edits the text meanwhile.
  await bob.page.mouse.dblclick(...(await bob.at(640, 400).then((p) => [p.x, p.y] as const)))
  await expect(bob.textEditor).toBeFocused()
  await bob.appendText(' — final')
  await bob.waitForShapes((s) => s.some((x) => x.id === note.id && x.text === 'Draft agenda — final'))
  // Bob's lease is given back once his text is saved; until the server has it back, Alice's delete
  // would rightly be refused as "Bob is editing" rather than as a conflict with his text.
  await expect.poll(() => bob.locks(), { message: "Bob's lease released" }).toHaveLength(0)

  // Alice reconnects: her queued delete is replayed and refused, and she sees why.
  await alice.setOffline(false)
  await expect(alice.page.getByTestId('notice')).toContainText('Bob changed the text')
  await expect(alice.page.getByTestId('notice')).toContainText('Draft agenda — final')
  const [n] = await alice.notices()
  expect(n).toMatchObject({ kind: 'conflict', shapeId: note.id })
  for (const u of [alice, bob]) {
    await u.waitForShapes((s) =>
      s.some((x) => x.id === note.id && x.text === 'Draft agenda — final' && !x.deleted),
    )
  }
  expect(await pending(alice)).toBe(0)
  expect(await alice.shapes()).toEqual(await bob.shapes())

  // "Delete anyway" deletes it for both.
  await alice.page.getByTestId('notice.action').click()
  for (const u of [alice, bob])
    await u.waitForShapes((s) => !s.some((x) => x.id === note.id), 'deleted anyway')
})

test('an arrow attached to two shapes follows them when either moves', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [400, 300], [500, 400])
  await alice.draw('rect', [800, 300], [900, 400])
  await alice.draw('arrow', [450, 350], [850, 350])
  const shapes = await bob.waitForShapes(
    (s) => s.some((x) => x.kind === 'arrow' && x.binding?.start && x.binding?.end),
    'bob sees a bound arrow',
  )
  const [left, right] = shapes.filter((x) => x.kind === 'rect').sort((a, b) => a.x - b.x)
  const arrow = shapes.find((x) => x.kind === 'arrow')!
  expect(arrow.binding).toEqual({ start: left!.id, end: right!.id })

  // Bob drags the right rectangle down; the arrow's end follows it on both screens.
  await bob.drag([850, 350], [850, 600])
  for (const u of [alice, bob]) {
    await u.waitForShapes((s) => {
      const a = s.find((x) => x.id === arrow.id)
      const r = s.find((x) => x.id === right!.id)
      if (!a || !r || r.y < 500) return false
      const endX = a.x + a.points![2]!
      const endY = a.y + a.points![3]!
      return endY > r.y - 20 && endY < r.y + r.h + 20 && endX > r.x - 20 && endX < r.x + r.w + 20
    }, 'arrow end follows the moved rectangle')
  }
  // Alice moves the left one up: the start follows.
  await alice.drag([450, 350], [450, 150])
  await bob.waitForShapes((s) => {
    const a = s.find((x) => x.id === arrow.id)!
    return a.y < 250
  }, 'arrow start follows')
})

test('commits made offline replay on reconnect, also after a reload, without doubling', async ({
  openUser,
}) => {
  const { alice, bob, rect, ellipse } = await twoShapesThenOffline(openUser)
  await alice.clickShape(rect)
  await alice.press('Delete')
  await alice.clickShape(ellipse)
  await alice.press('Delete')
  await alice.waitForShapes((s) => s.length === 0, 'hidden for alice')
  expect(await pending(alice)).toBe(2)
  expect(await bob.shapes()).toHaveLength(2)

  // Reload while the deletes are still queued: they are kept in the browser and replayed once.
  await alice.flushLocalStore()
  await alice.page.close()
  await alice.setOffline(false)
  await alice.openNewPage()
  for (const u of [alice, bob]) await u.waitForShapes((s) => s.length === 0, 'deleted everywhere')
  await expect.poll(() => pending(alice)).toBe(0)
  // Applied exactly once: the deletion is version 1 of each shape, as Bob sees it.
  const deleted = await bob.page.evaluate(() => window.__easel!.deletedShapes())
  expect(deleted.map((d) => [d.id, d.versions.deleted]).sort()).toEqual(
    [
      [rect.id, 1],
      [ellipse.id, 1],
    ].sort(),
  )
  expect(await alice.notices()).toEqual([])
})

test('delete, undo, redo and undo again before any answer: each goes after the one before, and the shape is back', async ({
  openUser,
}) => {
  // Offline, no answer comes back: every step is made while the one before is still in flight.
  const { alice, bob, rect } = await twoShapesThenOffline(openUser)
  await alice.clickShape(rect)
  await alice.press('Delete')
  await alice.waitForShapes((s) => s.length === 1, 'hidden for Alice at once')
  await alice.press('Control+z')
  await alice.waitForShapes((s) => s.length === 2, 'back for Alice at once')
  await alice.press('Control+Shift+z')
  await alice.waitForShapes((s) => s.length === 1, 'hidden again')
  await alice.press('Control+z')
  await alice.waitForShapes((s) => s.length === 2, 'back again')
  expect(await pending(alice)).toBe(4)

  await alice.setOffline(false)
  await expect.poll(() => pending(alice)).toBe(0)
  const shapes = await waitForConvergence([alice, bob], (s) => s.length === 2)
  // Four commits, applied in order, none refused: version 4 of `deleted`, and it is false.
  expect(shapes.find((s) => s.id === rect.id)).toMatchObject({ deleted: false, versions: { deleted: 4 } })
  expect(await alice.notices()).toEqual([])
})
