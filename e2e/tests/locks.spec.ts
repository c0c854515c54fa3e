import { expect, test, waitForConvergence } from './fixtures.ts'

test('B sees A’s editing badge and cannot type into A’s note', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  const note = await alice.placeSticky([640, 400], 'Ideas')
  await bob.waitForShapes((s) => s.some((x) => x.id === note.id))
  await alice.dblclick(640, 400)
  await expect(alice.textEditor).toBeFocused()
  await expect(bob.page.getByTestId('lock-badge')).toHaveText('Alice is editing')
  await expect
    .poll(() => bob.locks())
    .toEqual([expect.objectContaining({ shapeId: note.id, holder: 'Alice', mine: false })])
  expect((await alice.locks())[0]).toMatchObject({ mine: true })

  // Bob tries: no editor opens, he is told who holds it, and his typing changes nothing.
  await bob.dblclick(640, 400)
  await expect(bob.page.getByTestId('lock-prompt')).toContainText('Alice is editing')
  await expect(bob.textEditor).toHaveCount(0)
  await bob.page.keyboard.type('hijack')
  await alice.page.keyboard.press('End')
  await alice.page.keyboard.type(' for Q3')
  await bob.waitForShapes(
    (s) => s.some((x) => x.id === note.id && x.text === 'Ideas for Q3'),
    'Bob sees Alice type live',
  )
  expect((await bob.shape(note.id))!.text).toBe('Ideas for Q3')
})

test('A closes the browser while editing and B can edit at once', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  const note = await alice.placeSticky([640, 400], 'Owner: Alice')
  await bob.waitForShapes((s) => s.some((x) => x.id === note.id))
  await alice.dblclick(640, 400)
  await expect(alice.textEditor).toBeFocused()
  await expect.poll(() => bob.locks()).toHaveLength(1)
  await alice.context.close()
  // Released when the socket closes, not after the lease TTL.
  await expect.poll(() => bob.locks(), { timeout: 1000 }).toEqual([])
  await bob.dblclick(640, 400)
  await expect(bob.textEditor).toBeFocused()
  await bob.page.keyboard.press('Control+A')
  await bob.page.keyboard.type('Owner: Bob')
  await bob.press('Escape')
  await bob.waitForShapes((s) => s.some((x) => x.id === note.id && x.text === 'Owner: Bob'))
})

test('A goes offline while editing; B takes over; A’s offline text is not written over Bob’s and is kept as a draft', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  const note = await alice.placeSticky([640, 400], 'Status')
  await bob.waitForShapes((s) => s.some((x) => x.id === note.id))
  await alice.dblclick(640, 400)
  await expect(alice.textEditor).toBeFocused()
  await expect.poll(() => bob.locks()).toHaveLength(1)
  await alice.setOffline(true)
  await expect(alice.page.getByTestId('connection-status')).toHaveAttribute('data-status', 'offline')
  await alice.page.keyboard.press('End')
  await alice.page.keyboard.type(': red (Alice, offline)')
  await expect(alice.page.getByTestId('text-editor.status')).toContainText('Offline')
  // Her socket closed, so the server frees her lock: Bob takes it and writes.
  await expect.poll(() => bob.locks()).toEqual([])
  await bob.dblclick(640, 400)
  await expect(bob.textEditor).toBeFocused()
  await bob.appendText(': green (Bob)')
  await bob.waitForShapes((s) => s.some((x) => x.id === note.id && x.text === 'Status: green (Bob)'))

  // Alice comes back: she asks for the lock again, sees that Bob changed the note meanwhile, and
  // keeps her text as a draft; nothing is written over Bob's.
  await alice.setOffline(false)
  const notice = alice.page.getByTestId('notice')
  await expect(notice).toContainText(
    'Bob changed the text of the sticky note “Status” while you were offline',
  )
  await expect(alice.page.getByTestId('notice.draft')).toHaveValue('Status: red (Alice, offline)')
  await expect(alice.textEditor).toHaveCount(0)
  for (const u of [alice, bob]) {
    await u.waitForShapes((s) => s.some((x) => x.id === note.id && x.text === 'Status: green (Bob)'))
  }
  // Alice has nothing left to send and both documents are the same: had her draft gone out, Bob would have it.
  await expect.poll(() => alice.connection()).toMatchObject({ synced: true, unsynced: 0, pendingCommits: 0 })
  const shapes = await waitForConvergence([alice, bob])
  expect(shapes.find((x) => x.id === note.id)!.text).toBe('Status: green (Bob)')
})

test('three users waiting for one sticky get it in the order they asked', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  const carol = await openUser('Carol')
  const note = await alice.placeSticky([640, 400], 'Queue')
  for (const u of [bob, carol]) await u.waitForShapes((s) => s.some((x) => x.id === note.id))
  await alice.dblclick(640, 400)
  await expect(alice.textEditor).toBeFocused()
  await expect.poll(() => bob.locks()).toHaveLength(1)

  await bob.dblclick(640, 400)
  await bob.page.getByTestId('lock-prompt.wait').click()
  await expect(bob.page.getByTestId('lock-prompt')).toContainText('#1')
  await carol.dblclick(640, 400)
  await carol.page.getByTestId('lock-prompt.wait').click()
  await expect(carol.page.getByTestId('lock-prompt')).toContainText('#2')

  await alice.page.keyboard.type(' A')
  await alice.press('Escape')
  await expect(bob.textEditor).toBeFocused()
  await expect(carol.textEditor).toHaveCount(0)
  await bob.appendText(' B')
  await expect(carol.textEditor).toBeFocused()
  await carol.appendText(' C')
  for (const u of [alice, bob, carol]) {
    await u.waitForShapes((s) => s.some((x) => x.id === note.id && x.text === 'Queue A B C'))
  }
})
