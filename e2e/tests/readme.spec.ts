import fs from 'node:fs'
import path from 'node:path'
import { expect, test, waitForConvergence } from './fixtures.ts'

/**
 * The README's screenshots: one board drawn through the real UI by Alice while Bob is on it, seen
 * light and dark, on a desktop and on a 390 px phone. Written to e2e/artifacts/readme-*.png (copied
 * into docs/ by hand after looking at them).
 */

const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts')

test('README screenshots: a board light and dark, desktop and phone, the same for both users', async ({
  openUser,
}) => {
  test.slow()
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  const { page } = alice

  await alice.draw('rect', [320, 180], [500, 290])
  await alice.style('fill.#a5d8ff').click()
  await alice.draw('ellipse', [640, 170], [820, 300])
  await alice.style('fill.#b2f2bb').click()
  await alice.draw('diamond', [360, 420], [500, 540])
  await alice.style('fill.#ffec99').click()
  await alice.draw('arrow', [490, 235], [660, 235])
  await alice.draw('arrow', [430, 280], [430, 450])
  await alice.placeSticky(
    [760, 480],
    'Ship the share dialog: roles, expiry and revoke, then ask Bob to review',
  )
  await alice.tool('text').click()
  await alice.click(320, 120)
  await alice.typeText('Release plan')
  await alice.tool('pen').click()
  await alice.dragPath([
    [980, 200],
    [1010, 160],
    [1050, 230],
    [1090, 170],
    [1120, 220],
  ])
  await alice.press('Escape')
  await alice.tool('select').click()
  // Bob points at the diamond; his cursor and name show on Alice's screen.
  await bob.page.mouse.move(450, 500)
  const shapes = await waitForConvergence([alice, bob], (s) => s.length === 8)
  expect(shapes.filter((s) => s.kind === 'arrow').every((a) => a.binding.start && a.binding.end)).toBe(true)
  await expect.poll(async () => (await alice.page.evaluate(() => window.__easel!.presence())).length).toBe(1)

  fs.mkdirSync(ARTIFACTS, { recursive: true })
  const shot = async (name: string) => {
    await page.mouse.move(5, 400) // no hover highlight
    await page.screenshot({ path: path.join(ARTIFACTS, `readme-${name}.png`) })
  }
  const theme = async (scheme: 'light' | 'dark') => {
    await page.emulateMedia({ colorScheme: scheme })
    await expect(page.locator('html')).toHaveAttribute('data-theme', scheme)
  }
  for (const scheme of ['light', 'dark'] as const) {
    await theme(scheme)
    await shot(`desktop-${scheme}`)
  }
  await page.setViewportSize({ width: 390, height: 844 })
  await page.getByTestId('zoom.fit').click()
  // On a phone every tool fits on the toolbar's one row: nothing to scroll, nothing cut off.
  const toolbar = page.getByRole('toolbar', { name: 'Tools' })
  expect(await toolbar.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true)
  for (const id of ['tool.select', 'tool.sticky'])
    await expect(page.getByTestId(id)).toBeInViewport({ ratio: 1 })
  for (const scheme of ['light', 'dark'] as const) {
    await theme(scheme)
    await shot(`phone-${scheme}`)
  }
})
