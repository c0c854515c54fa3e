import type { Page } from '@playwright/test'
import { type BoardPage, expect, test } from './fixtures.ts'

/** The tool whose button is pressed in the toolbar. */
async function currentTool(u: BoardPage): Promise<string | null> {
  return u.page
    .locator('[role="toolbar"] [aria-pressed="true"][data-testid^="tool."]:not([data-testid="tool.lock"])')
    .getAttribute('data-testid')
}

const focusedTestId = (page: Page) =>
  page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null)

test('Esc closes the help dialog and gives the keys back to the board; R behind it does nothing', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  await alice.page.getByRole('button', { name: 'Help' }).click()
  const help = alice.page.getByTestId('help-dialog')
  await expect(help).toBeVisible()
  await alice.press('r')
  await alice.press('Delete')
  expect(await currentTool(alice)).toBe('tool.select')
  await alice.press('Escape')
  await expect(help).toHaveCount(0)
  expect(await focusedTestId(alice.page)).toBe('canvas')
  await alice.press('r')
  expect(await currentTool(alice)).toBe('tool.rect')

  // "?" opens it too; Esc closes it, and only the next Esc reaches the board.
  await alice.press('?')
  await expect(help).toBeVisible()
  await alice.press('Escape')
  await expect(help).toHaveCount(0)
  expect(await currentTool(alice)).toBe('tool.rect')
  await alice.press('Escape')
  expect(await currentTool(alice)).toBe('tool.select')

  // The menu: Esc closes it and focus goes back to the canvas.
  await alice.page.getByTestId('menu').click()
  await expect(alice.page.getByRole('menu')).toBeVisible()
  await alice.press('Escape')
  await expect(alice.page.getByRole('menu')).toHaveCount(0)
  expect(await focusedTestId(alice.page)).toBe('canvas')
})

test('after moving the opacity slider, Esc deselects, the next drag moves one shape and Delete deletes', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  await alice.draw('rect', [300, 200], [400, 280])
  await alice.draw('rect', [500, 200], [600, 280])
  const [a, b] = await alice.waitForShapes((s) => s.length === 2)
  await alice.press('Control+a')
  const slider = alice.style('opacity')
  const box = (await slider.boundingBox())!
  await alice.page.mouse.click(box.x + box.width * 0.3, box.y + box.height / 2)
  await alice.waitForShapes((s) => s.every((x) => x.opacity < 1), 'both got the new opacity')
  await expect(slider).toBeFocused()

  await alice.press('Escape')
  await expect(alice.page.getByTestId('style-panel')).toHaveCount(0)
  // Dragging one shape now moves that shape only.
  await alice.drag([350, 240], [350, 400])
  const moved = await alice.waitForShapes((s) => s.find((x) => x.id === a!.id)!.y > 300, 'a moved')
  expect(moved.find((x) => x.id === b!.id)).toMatchObject({ x: b!.x, y: b!.y })

  // a is selected now; the slider again, then Delete: a goes, b stays.
  await alice.page.mouse.click(box.x + box.width * 0.8, box.y + box.height / 2)
  await expect(slider).toBeFocused()
  await alice.press('Delete')
  const left = await alice.waitForShapes((s) => s.length === 1, 'a deleted')
  expect(left[0]!.id).toBe(b!.id)
})

test('keys typed into a note someone else is editing never pick a tool', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  const note = await alice.placeSticky([300, 300], 'Plan')
  await bob.waitForShapes((s) => s.some((x) => x.id === note.id))
  await alice.dblclick(300, 300)
  await expect(alice.textEditor).toBeFocused()
  await expect.poll(() => bob.locks()).toHaveLength(1)

  await bob.dblclick(300, 300)
  const prompt = bob.page.getByTestId('lock-prompt')
  await expect(prompt).toContainText('Alice is editing')
  // Bob types as if the note were open: r, o, s, e, t, a... are all tool keys.
  await bob.page.keyboard.type('rose tape lvh')
  await bob.press('Delete')
  expect(await currentTool(bob)).toBe('tool.select')
  expect((await bob.shapes()).map((s) => s.id)).toEqual([note.id])
  await bob.page.screenshot({ path: test.info().outputPath('lock-prompt.png') })
  // Esc cancels the prompt; then keys are shortcuts again.
  await bob.press('Escape')
  await expect(prompt).toHaveCount(0)
  await bob.press('o')
  expect(await currentTool(bob)).toBe('tool.ellipse')
  await alice.press('Escape')
})

/**
 * Controls whose centre is not the control itself (something lies on top of it, or it is off
 * screen). Each is scrolled into view first: a toolbar that scrolls sideways must reach every tool.
 */
function coveredControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const controls = document.querySelectorAll<HTMLElement>(
      '[role="toolbar"] button, [data-testid="menu"], button[aria-label="Help"], [data-testid^="zoom."], [data-testid="undo"], [data-testid="people.me"], [data-testid="people.peer"], [data-testid="connection-status"]',
    )
    const covered: string[] = []
    for (const el of controls) {
      el.scrollIntoView({ block: 'nearest', inline: 'nearest' })
      const r = el.getBoundingClientRect()
      const x = r.left + r.width / 2
      const y = r.top + r.height / 2
      const top =
        x >= 0 && y >= 0 && x <= innerWidth && y <= innerHeight ? document.elementFromPoint(x, y) : null
      if (!top || !(top === el || el.contains(top))) {
        covered.push(
          `${el.dataset.testid ?? el.getAttribute('aria-label')} (under ${top?.className ?? 'nothing'})`,
        )
      }
    }
    return covered
  })
}

for (const [width, height] of [
  [390, 844],
  [360, 740],
] as const) {
  test(`at ${width}×${height} nothing covers the toolbar, the menu, "?" or the indicator`, async ({
    openUser,
    room,
  }) => {
    const alice = await openUser('Alice')
    await openUser('Bob', room)
    await alice.page.setViewportSize({ width, height })
    await expect(alice.page.getByTestId('people.peer')).toHaveCount(1)
    expect(await coveredControls(alice.page)).toEqual([])

    // With a shape selected the style panel opens: it covers none of them either.
    await alice.draw('rect', [60, 200], [200, 300])
    await alice.waitForShapes((s) => s.length === 1)
    await expect(alice.page.getByTestId('style-panel')).toBeVisible()
    expect(await coveredControls(alice.page)).toEqual([])
    // Every tool can be reached and picked.
    await alice.tool('sticky').click()
    expect(await currentTool(alice)).toBe('tool.sticky')
    await alice.page.screenshot({ path: test.info().outputPath(`narrow-${width}.png`) })
    // The help dialog fits the screen.
    await alice.press('?')
    const dialog = (await alice.page.getByTestId('help-dialog').boundingBox())!
    expect(dialog.x).toBeGreaterThanOrEqual(0)
    expect(dialog.x + dialog.width).toBeLessThanOrEqual(width)
  })
}

const canvasBackground = (page: Page) =>
  page.getByTestId('canvas').evaluate((el) => getComputedStyle(el).backgroundColor)
const luminance = (rgb: string) => {
  const [r = 0, g = 0, b = 0] = (rgb.match(/\d+/g) ?? []).map((n) => Number(n))
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
}

test('dark mode follows the system, the menu switches it (and remembers), exports stay light unless asked', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const { page } = alice
  await alice.draw('rect', [300, 200], [460, 300])
  await alice.placeSticky([650, 260], 'Dark note')
  await alice.waitForShapes((s) => s.length === 2)
  await alice.press('Escape')
  expect(luminance(await canvasBackground(page))).toBeGreaterThan(0.9)

  await page.emulateMedia({ colorScheme: 'dark' })
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
  expect(luminance(await canvasBackground(page))).toBeLessThan(0.15)
  // The shapes' default black strokes are drawn light: the canvas is inverted with its hues kept.
  const filter = await page
    .locator('.canvas canvas')
    .first()
    .evaluate((el) => getComputedStyle(el).filter)
  expect(filter).toContain('invert')
  await page.screenshot({ path: test.info().outputPath('dark.png') })
  await page.setViewportSize({ width: 390, height: 844 })
  await alice.clickShape((await alice.shapes()).find((x) => x.kind === 'rect')!)
  await expect(page.getByTestId('style-panel')).toBeVisible()
  await page.screenshot({ path: test.info().outputPath('dark-390.png') })
  await page.setViewportSize({ width: 1280, height: 800 })
  await alice.press('Escape')

  // Exports stay light by default; the menu's option makes them dark.
  const svgOf = async () => {
    const d = await alice.exportFile('export.svg')
    const chunks: Buffer[] = []
    for await (const c of await d.createReadStream()) chunks.push(c as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }
  expect(await svgOf()).not.toContain('easel-dark')
  await page.getByTestId('menu').click()
  await page.getByTestId('export.dark').check()
  await page.getByTestId('menu').click()
  expect(await svgOf()).toContain('filter="url(#easel-dark)"')

  // The toggle: light although the system is dark, kept across a reload.
  await page.getByTestId('menu').click()
  await page.getByTestId('theme.light').click()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light')
  expect(luminance(await canvasBackground(page))).toBeGreaterThan(0.9)
  await page.getByTestId('menu').click()
  await alice.page.reload()
  await expect(page.getByTestId('canvas')).toBeVisible()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light')
  await page.getByTestId('menu').click()
  await expect(page.getByTestId('theme.light')).toHaveAttribute('aria-checked', 'true')
  await page.getByTestId('theme.dark').click()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
  await page.screenshot({ path: test.info().outputPath('dark-menu.png') })
  await page.getByTestId('theme.system').click()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
  await page.emulateMedia({ colorScheme: 'light' })
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light')
})

test('one rectangle drawn offline is "1 unsynced change", two are 2, none once synced', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  await alice.setOffline(true)
  await expect(alice.status).toHaveAttribute('data-status', 'offline')
  await alice.tool('rect').click()
  // Many pointer moves, spread over several frames: many document updates, one action.
  const a = await alice.at(300, 200)
  await alice.page.mouse.move(a.x, a.y)
  await alice.page.mouse.down()
  for (let i = 1; i <= 20; i++) {
    await alice.page.mouse.move(a.x + i * 8, a.y + i * 5)
    await alice.frame()
  }
  await alice.page.mouse.up()
  await alice.waitForShapes((s) => s.length === 1)
  await expect(alice.status).toContainText('Offline · 1 unsynced change')
  await expect(alice.status).toHaveAttribute('data-unsynced', '1')
  await alice.draw('ellipse', [600, 200], [700, 300])
  await expect(alice.status).toContainText('2 unsynced changes')
  await alice.setOffline(false)
  await expect(alice.status).toHaveAttribute('data-unsynced', '0')
  await expect(alice.status).not.toContainText('unsynced')
})

test('on a touch screen two fingers pan and pinch-zoom the board; one finger draws', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const { page } = alice
  await page.setViewportSize({ width: 390, height: 844 })
  const touch = await alice.touchScreen()
  // One finger with the rectangle tool draws a rectangle.
  await alice.tool('rect').click()
  await touch('touchStart', [[100, 300]])
  for (let i = 1; i <= 5; i++) await touch('touchMove', [[100 + i * 20, 300 + i * 16]])
  await touch('touchEnd', [])
  await alice.waitForShapes((s) => s.length === 1 && s[0]!.kind === 'rect')

  // Two fingers spreading apart around (200, 400): zoom in about twice, nothing drawn.
  const before = await alice.camera()
  await alice.tool('rect').click()
  await touch('touchStart', [[150, 400]])
  await touch('touchStart', [
    [150, 400],
    [250, 400],
  ])
  for (let i = 1; i <= 5; i++) {
    await touch('touchMove', [
      [150 - i * 10, 400],
      [250 + i * 10, 400],
    ])
  }
  await touch('touchEnd', [])
  const after = await alice.camera()
  expect(after.z / before.z).toBeGreaterThan(1.8)
  expect(after.z / before.z).toBeLessThan(2.2)
  expect(await alice.shapes()).toHaveLength(1)
  await alice.frame()
  await page.screenshot({ path: test.info().outputPath('pinched-390.png') })
})
