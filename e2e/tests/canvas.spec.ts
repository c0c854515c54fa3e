import fs from 'node:fs'
import { type BoardPage, expect, near, type ShapeJson, test, waitForConvergence } from './fixtures.ts'

// The scenarios with two users call test.slow(): on a loaded 2-core machine opening a board alone
// can take 15 s.

const rects = (shapes: ShapeJson[]) => shapes.filter((s) => s.kind === 'rect')

/** Right-clicks a canvas point. */
async function rightClick(user: BoardPage, x: number, y: number): Promise<void> {
  const p = await user.at(x, y)
  await user.page.mouse.click(p.x, p.y, { button: 'right' })
}

test('one Ctrl+wheel notch zooms about 10 % and keeps the point under the cursor; plain wheel pans', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  await alice.moveTo(700, 420)
  const before = await alice.camera()
  expect(before.z).toBe(1)
  await alice.page.keyboard.down('Control')
  await alice.page.mouse.wheel(0, -100)
  await alice.page.keyboard.up('Control')
  await expect.poll(async () => (await alice.camera()).z).toBeCloseTo(1.1, 3)
  await expect(alice.page.getByTestId('zoom.reset')).toHaveText('110%')
  // The page point under the cursor did not move.
  const c = await alice.camera()
  expect(near(700 / c.z - c.x, 700, 0.01) && near(420 / c.z - c.y, 420, 0.01)).toBe(true)
  await alice.page.keyboard.down('Control')
  await alice.page.mouse.wheel(0, -100)
  await alice.page.keyboard.up('Control')
  await expect(alice.page.getByTestId('zoom.reset')).toHaveText('121%')
  await alice.page.keyboard.down('Control')
  await alice.page.mouse.wheel(0, 100)
  await alice.page.mouse.wheel(0, 100)
  await alice.page.keyboard.up('Control')
  await expect(alice.page.getByTestId('zoom.reset')).toHaveText('100%')
  // Without Ctrl the wheel pans.
  const z = (await alice.camera()).z
  await alice.page.mouse.wheel(0, 120)
  await expect.poll(async () => (await alice.camera()).y).toBeLessThan(c.y - 50)
  expect((await alice.camera()).z).toBe(z)
})

test('paste lands at the cursor and a second paste is offset; the other user sees both copies', async ({
  openUser,
}) => {
  test.slow()
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [300, 200], [400, 260])
  const [original] = await waitForConvergence([alice, bob], (s) => s.length === 1)
  await alice.press('Control+c')
  await alice.moveTo(800, 500)
  await alice.press('Control+v')
  await alice.press('Control+v')
  const shapes = await waitForConvergence([alice, bob], (s) => rects(s).length === 3)
  const copies = rects(shapes)
    .filter((s) => s.id !== original!.id)
    .sort((a, b) => a.x - b.x)
  expect(copies.map((s) => [s.x + s.w / 2, s.y + s.h / 2, s.w, s.h])).toEqual([
    [800, 500, 100, 60],
    [820, 520, 100, 60],
  ])
  // Pasting elsewhere lands there, with no offset.
  await alice.moveTo(500, 600)
  await alice.press('Control+v')
  const after = await waitForConvergence([alice, bob], (s) => rects(s).length === 4)
  const last = rects(after).find((s) => near(s.x + s.w / 2, 500) && near(s.y + s.h / 2, 600))
  expect(last, 'a copy centred on the new cursor position').toBeDefined()
})

test('import adds the copies beside the board, selected and in view', async ({ openUser }) => {
  test.slow()
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [300, 200], [460, 300])
  await alice.draw('ellipse', [520, 240], [640, 360])
  const board = await waitForConvergence([alice, bob], (s) => s.length === 2)
  await alice.press('Escape')
  const file = await alice.exportFile('export.json')
  await alice.importFile('board.json', fs.readFileSync((await file.path())!, 'utf8'))
  const all = await waitForConvergence([alice, bob], (s) => s.length === 4)
  const old = new Set(board.map((s) => s.id))
  const added = all.filter((s) => !old.has(s.id))
  expect(added.map((s) => s.kind).sort()).toEqual(['ellipse', 'rect'])
  // Beside the board: right of everything that was there, level with its top, same layout.
  const right = Math.max(...board.map((s) => s.x + s.w))
  const top = Math.min(...board.map((s) => s.y))
  expect(Math.min(...added.map((s) => s.x))).toBeGreaterThan(right)
  expect(near(Math.min(...added.map((s) => s.y)), top)).toBe(true)
  const dx = added.find((s) => s.kind === 'rect')!.x - board.find((s) => s.kind === 'rect')!.x
  const ellipse = added.find((s) => s.kind === 'ellipse')!
  expect(near(ellipse.x - dx, board.find((s) => s.kind === 'ellipse')!.x)).toBe(true)
  // Selected (Bob sees Alice's selection) and inside Alice's view.
  await bob.waitForPeer(
    'Alice',
    (p) =>
      [...p.selection].sort().join() ===
      added
        .map((s) => s.id)
        .sort()
        .join(),
    'the imported copies are selected',
  )
  const canvas = (await alice.page.getByTestId('canvas').boundingBox())!
  for (const s of added) {
    const [x0, y0] = await alice.toScreen({ x: s.x, y: s.y })
    const [x1, y1] = await alice.toScreen({ x: s.x + s.w, y: s.y + s.h })
    expect(x0 >= 0 && y0 >= 0 && x1 <= canvas.width && y1 <= canvas.height, `${s.kind} in view`).toBe(true)
  }
})

test('right-click a shape opens the menu; Delete in it removes the shape for the other user', async ({
  openUser,
}, testInfo) => {
  test.slow()
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [400, 250], [560, 350])
  await alice.draw('ellipse', [700, 250], [820, 350])
  await waitForConvergence([alice, bob], (s) => s.length === 2)
  await alice.press('Escape')
  // The browser's own menu is not opened: the event is handled.
  await alice.page.evaluate(() => {
    window.addEventListener('contextmenu', (e) => {
      document.body.dataset.nativeMenu = String(!e.defaultPrevented)
    })
  })
  await rightClick(alice, 480, 300)
  const menu = alice.page.getByTestId('context-menu')
  await expect(menu).toBeVisible()
  expect(await alice.page.evaluate(() => document.body.dataset.nativeMenu)).toBe('false')
  for (const item of [
    'cut',
    'copy',
    'paste',
    'duplicate',
    'delete',
    'forward',
    'backward',
    'front',
    'back',
    'lock',
  ])
    await expect(alice.page.getByTestId(`context.${item}`)).toBeVisible()
  await expect(alice.page.getByTestId('context.delete')).toContainText('Del')
  // The right-clicked shape is selected (Bob sees it).
  const rect = rects(await alice.shapes())[0]!
  await bob.waitForPeer('Alice', (p) => p.selection.join() === rect.id, 'the right-clicked shape is selected')
  await alice.page.screenshot({ path: testInfo.outputPath('context-menu.png') })

  // Keyboard: the first item has focus, arrows move, Escape closes and gives the canvas the keys.
  await expect(alice.page.getByTestId('context.cut')).toBeFocused()
  await alice.press('ArrowDown')
  await expect(alice.page.getByTestId('context.copy')).toBeFocused()
  await alice.press('ArrowUp')
  await alice.press('ArrowUp')
  await expect(alice.page.getByTestId('context.lock')).toBeFocused()
  await alice.press('Escape')
  await expect(menu).toHaveCount(0)
  await expect(alice.page.getByTestId('canvas')).toBeFocused()
  // Arrow keys pressed in the menu did not nudge the shape.
  expect((await alice.shape(rect.id))!.x).toBe(rect.x)

  // A click elsewhere closes it too.
  await rightClick(alice, 480, 300)
  await expect(menu).toBeVisible()
  await alice.click(1000, 600)
  await expect(menu).toHaveCount(0)

  // Delete through the menu.
  await rightClick(alice, 480, 300)
  await alice.page.getByTestId('context.delete').click()
  await expect(menu).toHaveCount(0)
  const left = await waitForConvergence([alice, bob], (s) => s.length === 1)
  expect(left[0]!.kind).toBe('ellipse')

  // On empty canvas: paste, select all, add text; kept inside the window near its corner.
  await rightClick(alice, 1270, 790)
  await expect(menu).toBeVisible()
  await expect(alice.page.getByTestId('context.select-all')).toBeVisible()
  await expect(alice.page.getByTestId('context.delete')).toHaveCount(0)
  const box = (await menu.boundingBox())!
  expect(box.x + box.width).toBeLessThanOrEqual(1280)
  expect(box.y + box.height).toBeLessThanOrEqual(800)
  await alice.press('ArrowDown')
  await alice.press('Enter')
  await bob.waitForPeer('Alice', (p) => p.selection.join() === left[0]!.id, 'select all from the menu')
})

test('Lock in the menu makes a drag do nothing for both users, until unlocked', async ({
  openUser,
}, testInfo) => {
  test.slow()
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [400, 250], [560, 350])
  const [rect] = await waitForConvergence([alice, bob], (s) => s.length === 1)
  await rightClick(alice, 480, 300)
  await alice.page.getByTestId('context.lock').click()
  await waitForConvergence([alice, bob], (s) => s[0]!.locked === true)
  await bob.waitForPeer('Alice', (p) => p.selection.length === 0, 'locking deselects')

  for (const user of [alice, bob]) {
    await user.drag([480, 300], [700, 500])
    await user.frame()
  }
  // Bob's drag ended in a marquee: a barrier edit, then nothing moved for anyone.
  await bob.draw('ellipse', [900, 500], [1000, 600])
  const after = await waitForConvergence([alice, bob], (s) => s.length === 2)
  expect(after.find((s) => s.id === rect!.id)).toMatchObject({ x: rect!.x, y: rect!.y, locked: true })
  // Delete does nothing either: the locked shape cannot be selected.
  await alice.click(480, 300)
  await alice.press('Delete')
  await bob.press('Control+a')
  await bob.press('Delete')
  await waitForConvergence([alice, bob], (s) => s.length === 1 && s[0]!.id === rect!.id)
  await alice.page.screenshot({ path: testInfo.outputPath('locked.png') })

  // Bob unlocks it from its menu; then Alice can move it.
  await rightClick(bob, 480, 300)
  await expect(bob.page.getByTestId('context.unlock')).toBeVisible()
  await bob.page.getByTestId('context.unlock').click()
  await waitForConvergence([alice, bob], (s) => s[0]!.locked === false)
  await alice.drag([480, 300], [580, 350])
  const moved = await waitForConvergence([alice, bob], (s) => s[0]!.x !== rect!.x)
  expect(moved[0]).toMatchObject({ x: rect!.x + 100, y: rect!.y + 50 })
})

test('Bring forward in the style panel moves a shape above the one it overlaps, for both users', async ({
  openUser,
}) => {
  test.slow()
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [400, 250], [560, 350])
  await alice.draw('ellipse', [500, 300], [660, 420])
  await alice.draw('rect', [900, 250], [1000, 350])
  const before = await waitForConvergence([alice, bob], (s) => s.length === 3)
  const [bottom, middle, top] = before
  expect([bottom!.kind, middle!.kind]).toEqual(['rect', 'ellipse'])
  // Select the bottom rectangle where nothing covers it.
  await alice.click(420, 270)
  await bob.waitForPeer('Alice', (p) => p.selection.join() === bottom!.id, 'the bottom rectangle is selected')
  const forward = alice.page.getByTestId('style.z.forward')
  await expect(forward).toHaveAttribute('title', 'Bring forward (Ctrl+])')
  await forward.click()
  // Past the ellipse it overlaps, not past the far rectangle it does not.
  await waitForConvergence(
    [alice, bob],
    (s) => s.map((x) => x.id).join() === [middle, bottom, top].map((x) => x!.id).join(),
  )
  await alice.page.getByTestId('style.z.back').click()
  await waitForConvergence([alice, bob], (s) => s[0]!.id === bottom!.id)
  await alice.press('Control+]')
  await waitForConvergence([alice, bob], (s) => s[1]!.id === bottom!.id)
  await alice.press('Control+[')
  await waitForConvergence([alice, bob], (s) => s[0]!.id === bottom!.id)
})

test('on a touch screen two fingers pan and pinch-zoom the view; one finger pans with the hand tool', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const touch = await alice.touchScreen()
  // Fingers 200 px apart around (640, 400) spread to 400 px apart around (700, 400).
  await touch('touchStart', [
    [540, 400],
    [740, 400],
  ])
  for (let i = 1; i <= 5; i++) {
    const half = 100 + (100 * i) / 5
    const cx = 640 + (60 * i) / 5
    await touch('touchMove', [
      [cx - half, 400],
      [cx + half, 400],
    ])
  }
  await touch('touchEnd', [])
  const c = await alice.camera()
  expect(c.z).toBeCloseTo(2, 2)
  // The page point first under the fingers' midpoint (640, 400) is now under their new midpoint.
  expect(near(700 / c.z - c.x, 640, 0.5) && near(400 / c.z - c.y, 400, 0.5)).toBe(true)
  // Nothing was drawn or selected by the fingers.
  expect(await alice.shapes()).toEqual([])

  // One finger with the hand tool pans.
  await alice.tool('hand').click()
  await touch('touchStart', [[600, 400]])
  for (let i = 1; i <= 4; i++) await touch('touchMove', [[600 + 25 * i, 400 - 10 * i]])
  await touch('touchEnd', [])
  const d = await alice.camera()
  expect(d.z).toBe(c.z)
  expect(near((d.x - c.x) * d.z, 100, 1) && near((d.y - c.y) * d.z, -40, 1)).toBe(true)
})
