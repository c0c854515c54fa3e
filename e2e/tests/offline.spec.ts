import { type BoardPage, expect, kinds, test, waitForConvergence } from './fixtures.ts'

test('edits made offline reach the other user when back online', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await expect(alice.status).toHaveAttribute('data-status', 'connected')
  await expect(alice.status).toHaveAttribute('data-unsynced', '0')

  await alice.setOffline(true)
  await expect(alice.status).toHaveAttribute('data-status', 'offline')
  await expect(alice.status).toContainText('Offline')

  await alice.draw('rect', [400, 200], [560, 300])
  await alice.draw('ellipse', [700, 200], [860, 300])
  await alice.waitForShapes((s) => s.length === 2)
  await expect.poll(async () => Number(await alice.status.getAttribute('data-unsynced'))).toBeGreaterThan(0)
  await expect(alice.status).toContainText('unsynced')
  expect((await alice.connection()).unsynced).toBeGreaterThan(0)

  // Bob keeps working meanwhile. Once his own edit is on his board, Alice's are still not there:
  // they never left her browser.
  await bob.draw('arrow', [400, 500], [600, 550])
  const bobsView = await bob.waitForShapes((s) => s.some((x) => x.kind === 'arrow'))
  expect(kinds(bobsView)).toEqual(['arrow'])
  // Alice does not get Bob's edit while offline either.
  expect(kinds(await alice.shapes())).toEqual(['ellipse', 'rect'])
  await expect(alice.status).toHaveAttribute('data-status', 'offline')

  await alice.setOffline(false)
  const shapes = await waitForConvergence([alice, bob], (s) => s.length === 3)
  expect(kinds(shapes)).toEqual(['arrow', 'ellipse', 'rect'])
  const rect = shapes.find((s) => s.kind === 'rect')!
  expect([rect.x, rect.y, rect.w, rect.h]).toEqual([400, 200, 160, 100])
  await expect(alice.status).toHaveAttribute('data-status', 'connected')
  await expect(alice.status).toHaveAttribute('data-unsynced', '0')
  await expect(alice.status).toContainText('Connected')
  expect(await alice.connection()).toMatchObject({ status: 'connected', synced: true, unsynced: 0 })
})

test('offline edits survive closing the page and are sent when the board is opened again', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await bob.draw('rect', [300, 450], [400, 550])
  await alice.waitForShapes((s) => s.length === 1 && s[0]!.w === 100)

  await alice.setOffline(true)
  await expect(alice.status).toHaveAttribute('data-status', 'offline')
  await alice.draw('rect', [400, 200], [560, 300])
  await alice.tool('pen').click()
  await alice.dragPath([
    [700, 200],
    [750, 260],
    [800, 210],
  ])
  const offlineShapes = await alice.waitForShapes((s) => s.length === 3)
  await expect.poll(async () => Number(await alice.status.getAttribute('data-unsynced'))).toBeGreaterThan(0)

  // Alice closes the tab while offline: her edits exist only in this browser's IndexedDB.
  await alice.frame()
  await alice.flushLocalStore()
  await alice.page.close()

  // Meanwhile Bob deletes his rectangle and draws an ellipse.
  await bob.click(350, 500)
  await bob.press('Delete')
  await bob.draw('ellipse', [900, 450], [1000, 550])
  await bob.waitForShapes((s) => kinds(s).join() === 'ellipse')

  // Alice comes back online and opens the board again in the same browser.
  await alice.setOffline(false)
  await alice.openNewPage()
  const shapes = await waitForConvergence([alice, bob], (s) => s.length === 3)
  expect(kinds(shapes)).toEqual(['ellipse', 'pen', 'rect'])
  // The offline shapes are there once each, with the same ids and geometry as drawn.
  const mine = offlineShapes.filter((s) => s.kind !== 'rect' || s.x === 400)
  expect(mine).toHaveLength(2)
  for (const s of mine) {
    const { versions: _v, ...props } = s
    expect(shapes.find((x) => x.id === s.id)).toMatchObject(props)
  }
  await expect(alice.status).toHaveAttribute('data-status', 'connected')
  await expect(alice.status).toHaveAttribute('data-unsynced', '0')

  // Not doubled on a further reload either.
  await alice.page.reload()
  await alice.waitConnected()
  await waitForConvergence([alice, bob], (s) => s.length === 3)
})

/** The texts the Konva nodes of a shape draw on the user's canvas. */
function drawnTexts(user: BoardPage, id: string): Promise<string[]> {
  return user.page.evaluate((id) => {
    type Node = { find(selector: string): Node[]; text(): string }
    const konva = (window as unknown as { Konva: { stages: Node[] } }).Konva
    return konva.stages.flatMap((stage) =>
      stage.find(`#${id}`).flatMap((group) => group.find('Text').map((t) => t.text())),
    )
  }, id)
}

test('a note typed while offline shows its text to its author at once, and reaches the other user when back online', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.setOffline(true)
  await expect(alice.status).toHaveAttribute('data-status', 'offline')

  // The note's lease cannot be asked for: the text waits in this browser, and the note shows it.
  await alice.tool('sticky').click()
  await alice.click(500, 300)
  await alice.typeText('after blip')
  const [note] = await alice.waitForShapes((s) => s.length === 1 && s[0]!.text === 'after blip')
  await expect.poll(() => drawnTexts(alice, note!.id)).toEqual(['after blip'])
  expect(await alice.notices()).toEqual([])
  expect(await bob.shapes()).toEqual([])

  await alice.setOffline(false)
  await waitForConvergence([alice, bob], (s) => s.length === 1 && s[0]!.text === 'after blip')
  await expect.poll(() => drawnTexts(bob, note!.id)).toEqual(['after blip'])
  expect(await drawnTexts(alice, note!.id)).toEqual(['after blip'])
  await expect(alice.status).toHaveAttribute('data-unsynced', '0')
  expect(await alice.notices()).toEqual([])
  expect(await alice.locks()).toEqual([])
})
