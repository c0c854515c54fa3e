import { type BoardPage, expect, kinds, near, test, waitForConvergence } from './fixtures.ts'

test('three users drawing at the same time converge to the same board', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  const carol = await openUser('Carol')

  await Promise.all([
    (async () => {
      await alice.draw('rect', [300, 120], [420, 220])
      await alice.draw('ellipse', [300, 300], [420, 400])
    })(),
    (async () => {
      await bob.draw('line', [550, 120], [700, 220])
      await bob.draw('arrow', [550, 300], [700, 400])
    })(),
    (async () => {
      await carol.tool('pen').click()
      await carol.dragPath([
        [850, 150],
        [900, 200],
        [950, 150],
        [1000, 200],
      ])
      await carol.draw('rect', [850, 300], [1000, 400])
    })(),
  ])

  const shapes = await waitForConvergence([alice, bob, carol], (s) => s.length === 6)
  expect(kinds(shapes)).toEqual(['arrow', 'ellipse', 'line', 'pen', 'rect', 'rect'])
  // Each user's two shapes, with the geometry they drew, whoever wrote first.
  const at = (x: number, y: number) => shapes.find((s) => s.x === x && s.y === y)
  expect(at(300, 120)).toMatchObject({ kind: 'rect', w: 120, h: 100 })
  expect(at(300, 300)).toMatchObject({ kind: 'ellipse', w: 120, h: 100 })
  expect(at(550, 120)).toMatchObject({ kind: 'line', points: [0, 0, 150, 100] })
  expect(at(550, 300)).toMatchObject({ kind: 'arrow', points: [0, 0, 150, 100] })
  expect(at(850, 150)?.kind).toBe('pen')
  expect(at(850, 300)).toMatchObject({ kind: 'rect', w: 150, h: 100 })
  const creators = new Set(shapes.map((s) => s.createdBy))
  expect(creators.size).toBe(3)
  // Paint order is a total order every user agrees on.
  expect(new Set(shapes.map((s) => s.z)).size).toBe(6)
})

test('two users dragging the same shape at once converge, neither sees it jump back', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  // Carol only watches: she shows when a dragger's write has gone through the server.
  const carol = await openUser('Carol')
  await alice.draw('rect', [500, 300], [660, 420])
  const [rect] = await carol.waitForShapes((s) => s.length === 1 && s[0]!.h === 120)
  await bob.waitForShapes((s) => s.length === 1 && s[0]!.h === 120)
  const id = rect!.id

  type Drag = { user: BoardPage; pointer: { x: number; y: number }; origin?: { x: number; y: number } }
  const a: Drag = { user: alice, pointer: { x: 560, y: 340 } }
  const b: Drag = { user: bob, pointer: { x: 620, y: 390 } }

  // Both press on the rectangle: two drags in progress at the same time.
  for (const d of [a, b]) {
    await d.user.moveTo(d.pointer.x, d.pointer.y)
    await d.user.page.mouse.down()
  }

  /** Where the shape must be on the dragger's own page: its drag origin plus its own pointer motion. */
  const expected = (d: Drag, start: { x: number; y: number }) => ({
    x: d.origin!.x + d.pointer.x - start.x,
    y: d.origin!.y + d.pointer.y - start.y,
  })
  const starts = new Map<Drag, { x: number; y: number }>([
    [a, { ...a.pointer }],
    [b, { ...b.pointer }],
  ])

  /** Moves one dragger's pointer and checks its own page shows the shape under its pointer. */
  const step = async (d: Drag, dx: number, dy: number) => {
    d.pointer = { x: d.pointer.x + dx, y: d.pointer.y + dy }
    await d.user.moveTo(d.pointer.x, d.pointer.y)
    const own = (await d.user.shape(id))!
    const start = starts.get(d)!
    // The first move starts the drag from wherever the shape was on this page then.
    d.origin ??= { x: own.x - (d.pointer.x - start.x), y: own.y - (d.pointer.y - start.y) }
    expect({ x: own.x, y: own.y }, `${d.user.name} sees the shape follow their pointer`).toEqual(
      expected(d, start),
    )
    return own
  }

  // Interleaved: one moves, its write reaches the server (Carol sees it), the other must still
  // see the shape under its own pointer, not where the remote write put it.
  for (let i = 0; i < 4; i++) {
    for (const [d, dx, dy] of [
      [a, 25, 5],
      [b, -15, 20],
    ] as const) {
      const own = await step(d, dx, dy)
      await d.user.frame()
      await carol.waitForShapes(
        (s) => s[0]!.x === own.x && s[0]!.y === own.y,
        `carol sees ${d.user.name}'s move ${i}`,
      )
      const o = d === a ? b : a
      if (o.origin) {
        const other = (await o.user.shape(id))!
        expect({ x: other.x, y: other.y }, `${o.user.name} does not see the shape jump`).toEqual(
          expected(o, starts.get(o)!),
        )
      } else {
        // Not dragging yet (only pressed): the other user's moves show up live.
        await o.user.waitForShapes((s) => s[0]!.x === own.x && s[0]!.y === own.y, 'sees the remote move')
      }
    }
  }
  // Alice's drag started from where the shape was drawn, Bob's from where Alice had moved it.
  expect(a.origin).toEqual({ x: 500, y: 300 })
  expect(b.origin).toEqual({ x: 525, y: 305 })
  // Simultaneous: both move in the same instants.
  for (let i = 0; i < 4; i++) {
    await Promise.all([step(a, 20, -5), step(b, -10, 15)])
  }
  // Alice's and Bob's views differ while both drag; the document ends up with one of them.
  const finalA = expected(a, starts.get(a)!)
  const finalB = expected(b, starts.get(b)!)
  expect(finalA).not.toEqual(finalB)
  await alice.page.mouse.up()
  await bob.page.mouse.up()
  const [converged] = await waitForConvergence([alice, bob, carol], (s) => s.length === 1)
  const end = { x: converged!.x, y: converged!.y }
  expect([finalA, finalB]).toContainEqual(end)
  expect([converged!.w, converged!.h]).toEqual([160, 120])
})

test("undo reverts only the user's own change when another user edited the same shape", async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [500, 300], [660, 420])
  const [rect] = await bob.waitForShapes((s) => s.length === 1 && s[0]!.h === 120)

  // Alice moves it, in one pointer move: a drag whose writes are more than the undo manager's
  // capture timeout (400 ms) apart is currently split into several undo steps.
  await alice.drag([580, 360], [700, 400], 1)
  await bob.waitForShapes((s) => s[0]!.x === 620 && s[0]!.y === 340, 'bob sees the move')
  // Bob changes its fill.
  await bob.clickShape({ x: 620, y: 340, w: 160, h: 120 })
  await bob.style('fill.#a5d8ff').click()
  await alice.waitForShapes((s) => s[0]!.fill === '#a5d8ff', 'alice sees the fill')

  // Alice's undo takes back her move, not Bob's fill.
  await alice.press('Control+z')
  const [undone] = await waitForConvergence(
    [alice, bob],
    (s) => s.length === 1 && s[0]!.x === 500 && s[0]!.y === 300,
    'the move is undone for both',
  )
  expect(undone!.id).toBe(rect!.id)
  expect(undone!.fill).toBe('#a5d8ff')

  // Redo brings the move back, still with Bob's fill.
  await alice.press('Control+Shift+z')
  const [redone] = await waitForConvergence(
    [alice, bob],
    (s) => s.length === 1 && s[0]!.x === 620 && s[0]!.y === 340,
    'the move is redone for both',
  )
  expect(redone!.fill).toBe('#a5d8ff')

  // Bob's undo takes back his fill only.
  await bob.press('Control+z')
  const [bobUndone] = await waitForConvergence(
    [alice, bob],
    (s) => s.length === 1 && s[0]!.fill === 'transparent',
    "bob's fill is undone for both",
  )
  expect([bobUndone!.x, bobUndone!.y]).toEqual([620, 340])
})

test("others' cursors and selections are visible", async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [500, 300], [660, 420])
  const [rect] = await bob.waitForShapes((s) => s.length === 1 && s[0]!.h === 120)

  // Alice's new rectangle is selected: Bob sees that selection.
  await bob.waitForPeer('Alice', (p) => p.selection.includes(rect!.id), 'bob sees alice select the rect')

  // Alice's cursor follows her mouse on Bob's screen, with her name.
  for (const [x, y] of [
    [800, 500],
    [350, 600],
  ] as const) {
    await alice.moveTo(x, y, 4)
    await bob.waitForPeer('Alice', (p) => p.cursor?.x === x && p.cursor.y === y, 'cursor position')
    const cursor = bob.cursorOf('Alice')
    await expect(cursor).toBeVisible()
    await expect(cursor).toContainText('Alice')
    await expect
      .poll(async () => {
        const box = await cursor.boundingBox()
        return !!box && near(box.x, x, 1) && near(box.y, y, 1)
      })
      .toBe(true)
  }
  await expect(alice.page.locator('[data-testid="peer-cursor"]')).toHaveCount(0)

  // Bob's cursor and selection show up for Alice.
  await bob.clickShape(rect!)
  await alice.waitForPeer('Bob', (p) => p.selection.join() === rect!.id, 'alice sees bob select the rect')
  await expect(alice.cursorOf('Bob')).toBeVisible()

  // Deselecting is visible too.
  await alice.press('Escape')
  await bob.waitForPeer('Alice', (p) => p.selection.length === 0, 'alice deselected')
  await alice.waitForPeer('Bob', (p) => p.selection.length === 1, "bob's selection is his own")

  // A user who leaves disappears from the others' cursors and people list.
  await expect(alice.peer('Bob')).toBeVisible()
  await bob.close()
  await expect(alice.cursorOf('Bob')).toHaveCount(0)
  await expect(alice.peer('Bob')).toHaveCount(0)
})

test('the people list shows the other user and clicking them follows their viewport', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await expect(bob.peer('Alice')).toBeVisible()
  await expect(alice.peer('Bob')).toBeVisible()
  await expect(bob.page.getByTestId('people.me')).toHaveText('Bob')

  // Alice goes elsewhere on the board: pans and zooms in.
  await alice.tool('hand').click()
  await alice.drag([800, 500], [500, 300])
  await alice.page.getByTestId('zoom.in').click()
  const aliceCam = await alice.camera()
  expect(aliceCam.z).toBeCloseTo(1.25, 5)
  expect(await bob.camera()).toEqual({ x: 0, y: 0, z: 1 })

  // Bob clicks Alice in the people list: his camera now looks at what she sees.
  await bob.peer('Alice').click()
  await expect(bob.peer('Alice')).toHaveClass(/following/)
  const sameCamera = async (c: { x: number; y: number; z: number }) => {
    const mine = await bob.camera()
    return near(mine.x, c.x, 0.01) && near(mine.y, c.y, 0.01) && near(mine.z, c.z, 0.001)
  }
  await expect.poll(() => sameCamera(aliceCam)).toBe(true)

  // While following, Bob's camera keeps up with Alice's.
  await alice.drag([600, 400], [700, 600])
  const aliceCam2 = await alice.camera()
  expect(aliceCam2).not.toEqual(aliceCam)
  await expect.poll(() => sameCamera(aliceCam2)).toBe(true)

  // A shape Alice draws where she is looking is on Bob's screen at the same place.
  await alice.tool('rect').click()
  await alice.drag([600, 350], [760, 450])
  const [rect] = await bob.waitForShapes((s) => s.length === 1)
  const [sx, sy] = await bob.toScreen({ x: rect!.x, y: rect!.y })
  expect(near(sx, 600, 0.5) && near(sy, 350, 0.5)).toBe(true)

  // Bob pans himself: he stops following.
  await bob.tool('hand').click()
  await bob.drag([900, 600], [950, 650])
  await expect(bob.peer('Alice')).not.toHaveClass(/following/)
  const bobCam = await bob.camera()
  await alice.tool('hand').click()
  await alice.drag([600, 400], [400, 400])
  // Once Bob has Alice's next presence (her cursor at a fresh spot), his camera is still his own.
  const cam3 = await alice.camera()
  await alice.moveTo(1000, 700)
  const expectCursor = { x: 1000 / cam3.z - cam3.x, y: 700 / cam3.z - cam3.y }
  await bob.waitForPeer(
    'Alice',
    (p) => !!p.cursor && near(p.cursor.x, expectCursor.x, 0.01) && near(p.cursor.y, expectCursor.y, 0.01),
  )
  expect(await bob.camera()).toEqual(bobCam)
})
