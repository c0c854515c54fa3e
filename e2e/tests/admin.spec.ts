import path from 'node:path'
import { ServerProcess } from '@easel/testkit/serverProcess.ts'
import type { Page } from '@playwright/test'
import { e2eServer } from '../globalSetup.ts'
import { type BoardPage, test as base, expect, type ShapeJson } from './fixtures.ts'

/**
 * The admin dashboard at /admin against a server of its own (an admin token, a short sample
 * interval): sign-in, then two users fight over one sticky (a lease wait and a commit conflict) and
 * the dashboard shows that shape hot, its charts move, and its link opens the board at the shape.
 * Writes e2e/artifacts/admin-dashboard.png (copied into docs/ by hand after looking at it).
 */

const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts')
const ADMIN_TOKEN = 'admin-e2e-token-0123456789'

const test = base.extend<{ adminServer: ServerProcess }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures must destructure their dependencies
  adminServer: async ({}, use, testInfo) => {
    const server = await ServerProcess.start(e2eServer({ ADMIN_TOKEN, DASHBOARD_INTERVAL_MS: '250' }))
    await use(server)
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('admin server output', { body: server.output, contentType: 'text/plain' })
    }
    await server.dispose()
  },
})

const editorStatus = (u: BoardPage) => u.page.getByTestId('text-editor.status')
const attr = async (page: Page, testId: string, name: string) =>
  Number(await page.getByTestId(testId).getAttribute(name))

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByTestId('admin.token').fill(token)
  await page.getByTestId('admin.submit').click()
}

/** Bob asks for Alice's note while she edits it, waits, and gets it when she leaves. */
async function leaseWait(alice: BoardPage, bob: BoardPage, at: [number, number]): Promise<void> {
  await alice.dblclick(...at)
  await expect(editorStatus(alice)).toHaveAttribute('data-status', 'editing')
  await expect.poll(() => bob.locks(), { message: 'Bob sees Alice editing' }).toHaveLength(1)
  await bob.dblclick(...at)
  await bob.page.getByTestId('lock-prompt.wait').click()
  await expect(bob.page.getByTestId('lock-prompt')).toContainText('#1')
  await alice.appendText(' (Alice)')
  await expect(bob.textEditor).toBeFocused()
  await bob.appendText(' (Bob)')
  await expect(bob.textEditor).toHaveCount(0)
  await expect.poll(() => bob.locks(), { message: "Bob's lease released" }).toHaveLength(0)
}

/**
 * A versioned-commit race: Alice, offline, deletes the note while Bob changes its text; her queued
 * delete reaches the server against a version that is gone, and loses.
 */
async function commitConflict(
  alice: BoardPage,
  bob: BoardPage,
  note: ShapeJson,
  text: string,
): Promise<void> {
  await alice.setOffline(true)
  await expect(alice.status).toHaveAttribute('data-status', 'offline')
  await alice.clickShape(note)
  await alice.press('Delete')
  await alice.waitForShapes((s) => !s.some((x) => x.id === note.id), 'hidden for Alice at once')
  const at = await bob.toScreen({ x: note.x + note.w / 2, y: note.y + note.h / 2 })
  await bob.dblclick(...at)
  await expect(editorStatus(bob)).toHaveAttribute('data-status', 'editing')
  await bob.appendText(text)
  await bob.waitForShapes((s) => s.some((x) => x.id === note.id && x.text?.endsWith(text)))
  await expect.poll(() => bob.locks(), { message: "Bob's lease released" }).toHaveLength(0)
  await alice.setOffline(false)
  await expect(alice.page.getByTestId('notice')).toContainText('Bob changed the text')
}

test('the admin dashboard: sign-in, a hot shape from a conflict and a lease wait, and its link', async ({
  openUser,
  adminServer,
  browser,
  room,
}) => {
  test.slow()
  const adminContext = await browser.newContext({
    baseURL: adminServer.url,
    viewport: { width: 1440, height: 1100 },
  })
  const admin = await adminContext.newPage()
  await admin.goto('/admin')

  // A wrong token: told so, and the form again.
  await signIn(admin, 'not-the-admin-token')
  await expect(admin.getByTestId('admin.signin-error')).toHaveText('wrong admin token')
  await expect(admin.getByTestId('admin.token')).toBeVisible()

  await signIn(admin, ADMIN_TOKEN)
  await expect(admin.getByTestId('admin.live')).toHaveAttribute('data-status', 'live')
  const conflicts = admin.getByTestId('admin.conflicts')
  await expect(conflicts.getByTestId('admin.empty')).toContainText(/no conflicts yet|first sample/)
  await expect(conflicts).toHaveAttribute('data-total', '0')
  await expect(admin.getByTestId('admin.hot-shapes')).toHaveAttribute('data-count', '0')
  await expect(admin.getByTestId('admin.lease-wait')).toHaveAttribute('data-waits', '0')
  await expect(admin.getByTestId('admin.closes').getByTestId('admin.empty')).toBeVisible()
  // The network drops: a banner, the last numbers stay, and it comes back by itself.
  await adminContext.setOffline(true)
  await expect(admin.getByTestId('admin.offline')).toContainText('Cannot reach the server')
  await expect(admin.getByTestId('admin.live')).toHaveAttribute('data-status', 'offline')
  await expect(admin.getByTestId('admin.hot-shapes')).toBeVisible()
  await adminContext.setOffline(false)
  await expect(admin.getByTestId('admin.live')).toHaveAttribute('data-status', 'live')
  await expect(admin.getByTestId('admin.offline')).toHaveCount(0)
  // The token is kept for the tab: a reload stays signed in.
  await admin.reload()
  await expect(admin.getByTestId('admin.live')).toHaveAttribute('data-status', 'live')

  const alice = await openUser('Alice', room, { baseURL: adminServer.url })
  const bob = await openUser('Bob', room, { baseURL: adminServer.url })
  await alice.placeSticky([420, 300], 'Q3 goals')
  const note = await alice.placeSticky([700, 420], 'Launch date')
  await bob.waitForShapes((s) => s.some((x) => x.id === note.id))
  await expect(admin.getByTestId('admin.stat.users')).toHaveAttribute('data-value', '2')

  await leaseWait(alice, bob, [700, 420])
  await commitConflict(alice, bob, note, ' — moved to May')

  const row = admin.locator(`[data-testid="admin.hot-shape"][data-shape="${note.id}"]`)
  await expect(row).toHaveAttribute('data-room', room)
  await expect.poll(async () => Number(await row.getAttribute('data-conflicts'))).toBeGreaterThan(0)
  await expect.poll(async () => Number(await row.getAttribute('data-lease-waits'))).toBeGreaterThan(0)
  // The charts have something to draw: conflicts by field and the lease-wait percentiles.
  await expect.poll(() => attr(admin, 'admin.conflicts', 'data-total')).toBeGreaterThan(0)
  await expect.poll(() => attr(admin, 'admin.conflicts', 'data-series')).toBeGreaterThan(0)
  await expect(conflicts.locator('.uplot canvas')).toBeVisible()
  await expect.poll(() => attr(admin, 'admin.lease-wait', 'data-waits')).toBeGreaterThan(0)
  await expect(admin.getByTestId('admin.lease-wait').locator('.uplot canvas')).toBeVisible()
  await expect.poll(() => attr(admin, 'admin.stat.conflicts', 'data-value')).toBeGreaterThan(0)
  await expect.poll(() => attr(admin, 'admin.stat.leases', 'data-value')).toBeGreaterThan(0)

  // A socket for a room id that is not one: the server closes it, and the dashboard counts the code.
  await admin.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const ws = new WebSocket(`ws://${location.host}/ws/not a room!`)
        ws.onclose = () => resolve()
      }),
  )
  const invalidRoom = admin.locator('[data-testid="admin.close"][data-code="4404"]')
  await expect.poll(async () => Number(await invalidRoom.getAttribute('data-count'))).toBeGreaterThan(0)

  // A few seconds of ordinary editing, so the load charts have a shape, then the picture.
  for (let i = 0; i < 4; i++) {
    await alice.draw('rect', [200 + i * 150, 560], [320 + i * 150, 640])
    await bob.drag([760, 420], [760 + (i % 2 ? -40 : 40), 440])
  }
  await admin.waitForTimeout(1500)
  await admin.screenshot({ path: path.join(ARTIFACTS, 'admin-dashboard.png'), fullPage: true })
  await admin.getByTestId('theme.dark').click()
  await expect(admin.locator('html')).toHaveAttribute('data-theme', 'dark')
  await admin.screenshot({ path: path.join(ARTIFACTS, 'admin-dashboard-dark.png'), fullPage: true })
  await admin.getByTestId('theme.system').click()
  // A narrow window: one card a row, and every chart follows its card's width.
  await admin.setViewportSize({ width: 600, height: 1100 })
  const card = admin.getByTestId('admin.updates')
  await expect
    .poll(
      async () => {
        const [c, u] = await Promise.all([card.boundingBox(), card.locator('.uplot').boundingBox()])
        return c!.width > 500 && u!.width <= c!.width && u!.width > c!.width * 0.8
      },
      { message: 'the chart fits its card' },
    )
    .toBe(true)
  await admin.screenshot({ path: path.join(ARTIFACTS, 'admin-dashboard-narrow.png'), fullPage: true })

  // The row's link opens the board centred on that shape, selected.
  const [board] = await Promise.all([
    adminContext.waitForEvent('page'),
    row.getByTestId('admin.hot-shape.open').click(),
  ])
  await expect(board.getByTestId('canvas')).toBeVisible()
  await expect
    .poll(() => board.evaluate(() => window.__easel?.selection()), {
      message: 'the linked shape is selected',
    })
    .toEqual([note.id])
  const [shape, camera, box] = await Promise.all([
    board.evaluate((id) => window.__easel!.shapes().find((s) => s.id === id)!, note.id),
    board.evaluate(() => window.__easel!.camera()),
    board.getByTestId('canvas').boundingBox(),
  ])
  const centre = {
    x: (shape.x + shape.w / 2 + camera.x) * camera.z,
    y: (shape.y + shape.h / 2 + camera.y) * camera.z,
  }
  expect(Math.abs(centre.x - box!.width / 2)).toBeLessThan(2)
  expect(Math.abs(centre.y - box!.height / 2)).toBeLessThan(2)

  // A link to a shape that is not there says so.
  await board.goto(`/b/${room}#shape=no-such-shape`)
  await expect(board.getByTestId('notice')).toContainText('is not on this board')
  await adminContext.close()
})

test('an admin page on a server without an admin token says how to set one', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: process.env.EASEL_URL })
  const page = await context.newPage()
  await page.goto('/admin')
  await signIn(page, 'whatever-token-here')
  await expect(page.getByTestId('admin.signin-error')).toHaveText(
    'this server has no admin token configured (start it with --admin-token)',
  )
  await context.close()
})
