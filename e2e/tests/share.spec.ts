import path from 'node:path'
import type { Browser } from '@playwright/test'
import { BoardPage, expect, test, waitForConvergence } from './fixtures.ts'

const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts')

/** A new browser context (its own storage) on `url`, named `name`; `url` may carry a link fragment. */
async function openAt(browser: Browser, url: string, name: string, room: string): Promise<BoardPage> {
  const context = await browser.newContext({ baseURL: process.env.EASEL_URL })
  await context.addInitScript((n) => {
    try {
      if (!localStorage.getItem('easel:name')) localStorage.setItem('easel:name', n)
    } catch {}
  }, name)
  const page = await context.newPage()
  await page.goto(url)
  await expect(page.getByTestId('canvas')).toBeVisible()
  return new BoardPage(context, page, room, name)
}

/** Makes a link in the owner's share dialog and returns its URL. */
async function makeLink(owner: BoardPage, role: 'view' | 'edit', expiry: string): Promise<string> {
  const dialog = owner.page.getByTestId('share-dialog')
  await dialog.getByTestId('share.link-role').selectOption(role)
  await dialog.getByTestId('share.link-expiry').selectOption({ label: expiry })
  const field = dialog.getByTestId('share.link')
  const before = (await field.count()) > 0 ? await field.inputValue() : ''
  await dialog.getByTestId('share.create').click()
  await expect(field).toHaveValue(/#k=/)
  await expect(field).not.toHaveValue(before)
  return field.inputValue()
}

test('the owner shares view and edit links; the viewer only looks, the editor draws, revoking shuts both out', async ({
  browser,
}) => {
  const opened: BoardPage[] = []
  try {
    // A new board from `/`: this browser creates it and so owns it.
    const first = await openAt(browser, '/', 'Owner', '')
    const room = new URL(first.page.url()).pathname.split('/')[2]!
    const owner = new BoardPage(first.context, first.page, room, 'Owner')
    opened.push(owner)
    await owner.waitConnected()
    await owner.draw('rect', [300, 220], [440, 320])
    const [rect] = await owner.waitForShapes((s) => s.length === 1)

    await owner.page.getByTestId('share').click()
    const dialog = owner.page.getByTestId('share-dialog')
    await expect(dialog.getByTestId('share.role')).toHaveText('You own this board.')
    await expect(dialog.getByTestId('share.mode.open')).toBeChecked()
    // On an open board the bare address edits, so a view link first makes the board link-only.
    await dialog.getByTestId('share.link-role').selectOption('view')
    await expect(dialog.getByTestId('share.view-needs-link')).toContainText('needs the board to be link-only')
    const viewLink = await makeLink(owner, 'view', 'Never')
    expect(viewLink).toMatch(new RegExp(`/b/${room}#k=`))
    await expect(dialog.getByTestId('share.mode.link')).toBeChecked()
    await expect(dialog.getByTestId('share.view-needs-link')).toBeHidden()
    await expect(owner.status).toHaveAttribute('data-status', 'connected')
    const editLink = await makeLink(owner, 'edit', '7 days')
    await expect(dialog.getByTestId('share.link-summary')).toContainText('edit link, valid until')
    await dialog.screenshot({ path: path.join(ARTIFACTS, 'share-dialog.png') })
    await owner.press('Escape')
    await expect(dialog).toBeHidden()

    // The viewer: sees the board and live edits, cannot change anything.
    const viewer = await openAt(browser, viewLink, 'Viewer', room)
    opened.push(viewer)
    await viewer.waitConnected()
    await expect(viewer.page.getByTestId('view-only')).toBeVisible()
    for (const tool of ['rect', 'ellipse', 'arrow', 'sticky', 'text']) {
      await expect(viewer.tool(tool)).toBeDisabled()
    }
    await expect(viewer.tool('select')).toBeEnabled()
    await expect(viewer.tool('hand')).toBeEnabled()
    await viewer.waitForShapes((s) => s.length === 1 && s[0]!.id === rect!.id)
    await owner.draw('ellipse', [500, 200], [600, 280])
    // Drags are sent live: the viewer may see the ellipse at a middle size first. The snapshot is
    // taken once it shows what the owner drew.
    await waitForConvergence(
      [owner, viewer],
      (s) => s.length === 2,
      'the viewer sees the owner draw, live, to its final size',
    )

    const snapshot = JSON.stringify(await viewer.shapes())
    const [cx, cy] = await viewer.toScreen({ x: rect!.x + rect!.w / 2, y: rect!.y + rect!.h / 2 })
    await viewer.drag([cx, cy], [cx + 150, cy + 120])
    await viewer.clickShape(rect!)
    await expect(viewer.style('opacity')).toBeDisabled()
    await expect(viewer.style('stroke.#e03131')).toBeDisabled()
    await viewer.press('Delete')
    await viewer.press('Control+d')
    await viewer.press('ArrowRight')
    await viewer.press('r')
    await viewer.frame()
    expect(JSON.stringify(await viewer.shapes())).toBe(snapshot)

    // The board id is in the link, but its bare address (no `#k=`) does not open the board.
    const bare = await viewer.context.newPage()
    await bare.goto(`/b/${room}`)
    const bareProblem = bare.getByTestId('connection-problem')
    await expect(bareProblem).toBeVisible()
    await expect(bareProblem).toContainText(
      "This board needs a share link. Ask the board's owner for a new link.",
    )
    await expect(bareProblem).toHaveAttribute('data-code', '4401')
    await bare.close()

    // The editor: draws, and the owner (and the viewer) see it.
    const editor = await openAt(browser, editLink, 'Editor', room)
    opened.push(editor)
    await editor.waitConnected()
    await expect(editor.page.getByTestId('view-only')).toBeHidden()
    await editor.draw('rect', [700, 400], [800, 480])
    await owner.waitForShapes((s) => s.length === 3, 'the owner sees the editor draw')
    // Nothing the viewer tried reached anyone: the owner's first two shapes are as drawn.
    const ownerShapes = await owner.shapes()
    expect(ownerShapes.find((s) => s.id === rect!.id)).toMatchObject({ x: rect!.x, y: rect!.y, w: rect!.w })
    await viewer.waitForShapes((s) => s.length === 3)

    // Revoking: both links stop working, with the reason in words.
    await owner.page.getByTestId('share').click()
    await dialog.getByTestId('share.revoke').click()
    await expect(dialog.getByTestId('share.revoke-confirm')).toBeVisible()
    await dialog.getByTestId('share.revoke-yes').click()
    await expect(dialog.getByTestId('share.revoked')).toBeVisible()
    await owner.press('Escape')
    const reason = "This link was revoked. Ask the board's owner for a new link."
    for (const user of [viewer, editor]) {
      const problem = user.page.getByTestId('connection-problem')
      await expect(problem).toBeVisible()
      await expect(problem).toContainText(reason)
      await expect(problem).toHaveAttribute('data-code', '4401')
    }
    await viewer.page.screenshot({ path: path.join(ARTIFACTS, 'viewer-refused.png') })

    // Reloading with the old link is refused too; the owner is still in.
    await viewer.page.reload()
    await expect(viewer.page.getByTestId('connection-problem')).toContainText(reason)
    await owner.draw('rect', [300, 520], [360, 580])
    await owner.waitForShapes((s) => s.length === 4)
    await expect(owner.status).toHaveAttribute('data-status', 'connected')
  } finally {
    for (const b of opened) await b.context.close().catch(() => {})
  }
})
