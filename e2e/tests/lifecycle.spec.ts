import fs from 'node:fs'
import path from 'node:path'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@easel/testkit/chromium.ts'
import { ServerProcess } from '@easel/testkit/serverProcess.ts'
import { type Browser, chromium, type Page, type WebSocketRoute } from '@playwright/test'
import { e2eServer } from '../globalSetup.ts'
import {
  type BoardPage,
  test as base,
  expect,
  kinds,
  type OpenOptions,
  waitForConvergence,
} from './fixtures.ts'

/**
 * Lifecycles: commits then a blip and a reload, typing during the lease round trip, a tab closed
 * mid-typing, a server killed and restarted, a non-secure http origin, a client refused for good.
 * Each user is a browser context of its own, driven with the real mouse and keyboard.
 */

const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts')

type Fixtures = {
  /** A server of this test's own, that the test may kill and start again (same port, same data). */
  ownServer: ServerProcess
  /** A second Chromium that resolves easel.test to 127.0.0.1: the board on a plain-http LAN name. */
  lanBrowser: Browser
}

const test = base.extend<Fixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures must destructure their dependencies
  ownServer: async ({}, use, testInfo) => {
    const server = await ServerProcess.start(e2eServer())
    await use(server)
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('own server output', { body: server.output, contentType: 'text/plain' })
    }
    await server.dispose()
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures must destructure their dependencies
  lanBrowser: async ({}, use) => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP easel.test 127.0.0.1'],
    })
    await use(browser)
    await browser.close()
  },
})

const editorStatus = (u: BoardPage) => u.page.getByTestId('text-editor.status')
const problemPanel = (u: BoardPage) => u.page.getByTestId('connection-problem')
const textOf = async (u: BoardPage, id: string) => (await u.shape(id))?.text

/** Double-clicks the note, waits for the lease, puts the caret at the end and types. */
async function appendText(u: BoardPage, at: [number, number], text: string, leave = true): Promise<void> {
  await u.dblclick(...at)
  await expect(u.textEditor).toBeFocused()
  await expect(editorStatus(u)).toHaveAttribute('data-status', 'editing')
  await u.page.keyboard.press('End')
  await u.page.keyboard.type(text)
  if (!leave) return
  await u.press('Escape')
  await expect(u.textEditor).toHaveCount(0)
}

/** Connected (the pill says so), synced, and not stopped with a problem panel. */
async function expectHealthy(u: BoardPage): Promise<void> {
  await expect(u.status, `${u.name}'s connection pill`).toHaveAttribute('data-status', 'connected', {
    timeout: 20_000,
  })
  await u.waitConnected()
  await expect(problemPanel(u), `${u.name} has no connection problem`).toHaveCount(0)
}

/** Waits until every user sees `id` with exactly `text`. */
async function waitForText(users: BoardPage[], id: string, text: string): Promise<void> {
  for (const u of users) {
    await u.waitForShapes((s) => s.some((x) => x.id === id && x.text === text), `text is “${text}”`)
  }
}

/**
 * After a page was closed mid-typing and the board opened again: either the text reached the server
 * (everyone sees it and nothing is offered back), or the new page offers it back as a draft and
 * "Re-apply my text" puts it on the board. Returns which way it went.
 */
async function savedOrOffered(
  alice: BoardPage,
  others: BoardPage[],
  id: string,
  text: string,
): Promise<'saved' | 'offered'> {
  const offer = alice.page.getByTestId('notice').filter({ hasText: 'before the page closed was not saved' })
  let outcome: 'saved' | 'offered' | null = null
  await expect
    .poll(
      async () => {
        if ((await textOf(others[0]!, id)) === text) outcome = 'saved'
        else if (await offer.isVisible()) outcome = 'offered'
        return outcome
      },
      { message: 'the text is either on the board or offered back' },
    )
    .not.toBeNull()
  if (outcome === 'offered') {
    await expect(offer.getByTestId('notice.draft')).toHaveValue(text)
    await offer.getByTestId('notice.action').click()
  }
  await waitForText([alice, ...others], id, text)
  await expect(offer).toHaveCount(0)
  return outcome!
}

/**
 * From now on, records the text editor's status at each keydown the page sees ('closed' when no
 * editor is open): which keys were typed while the lock was still being asked for.
 */
async function recordKeyStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __keyStates?: string[] }
    const listening = w.__keyStates !== undefined
    w.__keyStates = []
    if (listening) return
    window.addEventListener(
      'keydown',
      () => {
        const status = document.querySelector('[data-testid="text-editor.status"]')
        w.__keyStates!.push(status?.getAttribute('data-status') ?? 'closed')
      },
      true,
    )
  })
}

const keyStates = (page: Page) =>
  page.evaluate(() => (window as unknown as { __keyStates: string[] }).__keyStates)

/** Routes the context's board sockets through Playwright, delaying every server→client frame. */
function slowDownstream(delayMs: number): OpenOptions['setup'] {
  return (context) =>
    context.routeWebSocket(/\/ws\//, (ws) => {
      const server = ws.connectToServer()
      // One timer per frame with the same delay: frames keep their order.
      server.onMessage((m) => setTimeout(() => ws.send(m), delayMs))
    })
}

test('texts committed in bursts, then a network blip and a reload: both stay connected and keep editing', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  const at: [number, number] = [640, 320]

  // Alice writes the note in three bursts; each pause is long enough for its commit to land.
  await alice.tool('sticky').click()
  await alice.click(...at)
  await expect(alice.textEditor).toBeFocused()
  await expect(editorStatus(alice)).toHaveAttribute('data-status', 'editing')
  const note = (await alice.waitForShapes((s) => s.some((x) => x.kind === 'sticky'))).find(
    (x) => x.kind === 'sticky',
  )!
  let text = ''
  for (const burst of ['Retro', ' went', ' well']) {
    await alice.page.keyboard.type(burst)
    text += burst
    await waitForText([bob], note.id, text)
    await expect(editorStatus(alice)).toContainText('Saved')
  }
  await alice.press('Escape')
  // Bob commits the same text too: versions from two users.
  await appendText(bob, at, ' (Bob)')
  text += ' (Bob)'
  await waitForText([alice, bob], note.id, text)
  const committed = (await alice.shape(note.id))!
  expect(committed.versions.text, 'one version per commit').toBeGreaterThanOrEqual(4)

  // A blip on Alice's network while Bob reloads his page.
  await alice.setOffline(true)
  await expect(alice.status).toHaveAttribute('data-status', 'offline')
  await bob.page.reload()
  await expect(bob.page.getByTestId('canvas')).toBeVisible()
  await alice.setOffline(false)
  for (const u of [alice, bob]) await expectHealthy(u)

  // Both go on: a shape each, and the text edited again by each.
  await alice.draw('rect', [200, 520], [340, 620])
  await bob.draw('ellipse', [900, 520], [1040, 620])
  await appendText(alice, at, ' — Alice again')
  text += ' — Alice again'
  await waitForText([bob], note.id, text)
  await appendText(bob, at, ' — Bob again')
  text += ' — Bob again'
  const shapes = await waitForConvergence(
    [alice, bob],
    (s) => s.length === 3 && s.some((x) => x.id === note.id && x.text === text),
  )
  expect(kinds(shapes)).toEqual(['ellipse', 'rect', 'sticky'])
  expect(shapes.find((x) => x.id === note.id)!.versions.text).toBeGreaterThanOrEqual(6)
  for (const u of [alice, bob]) {
    await expectHealthy(u)
    await expect(u.status).toHaveAttribute('data-unsynced', '0')
  }
  expect(await alice.notices()).toEqual([])
  expect(await bob.notices()).toEqual([])
})

test('typing at once after a double-click keeps every character, even while the lock is slow to come', async ({
  openUser,
}) => {
  // Every frame from the server reaches Alice 300 ms late, the lease grant included.
  const alice = await openUser('Alice', undefined, { setup: slowDownstream(300) })
  const bob = await openUser('Bob')
  const at: [number, number] = [500, 360]
  const note = await alice.placeSticky(at, 'Ship')
  await bob.waitForShapes((s) => s.some((x) => x.id === note.id && x.text === 'Ship'))
  // Her lease on it is over (as she hears it): the next double-click really has to ask for it.
  await expect.poll(() => alice.locks()).toEqual([])

  // Double-click and type with no wait at all.
  await recordKeyStates(alice.page)
  const p = await alice.at(...at)
  await alice.page.mouse.dblclick(p.x, p.y)
  await alice.page.keyboard.type(' it today!')
  const states = await keyStates(alice.page)
  // The editor was open for the first key, and that key was typed before the lock was granted.
  expect(states[0], 'the first key reaches the open, pending editor').toBe('pending')
  expect(states, 'no key arrives before the editor is open').not.toContain('closed')
  await waitForText([alice, bob], note.id, 'Ship it today!')
  await expect(editorStatus(alice)).toContainText('Saved')
  await alice.press('Escape')
  await expect(alice.textEditor).toHaveCount(0)

  // A new note: click to place it, type at once and leave at once, all before the grant arrives.
  await alice.tool('sticky').click()
  await recordKeyStates(alice.page)
  await alice.click(820, 360)
  await alice.page.keyboard.type('Quick note')
  await alice.press('Escape')
  const states2 = await keyStates(alice.page)
  expect(states2[0], 'the first letter reaches the open, pending editor').toBe('pending')
  expect(states2.slice(0, -1), 'every letter reaches the editor').not.toContain('closed')
  await expect(alice.textEditor).toHaveCount(0)

  // Leaving and opening the note again before the lock came: both bursts are kept.
  await alice.page.mouse.dblclick(p.x, p.y)
  await alice.page.keyboard.type(' v2')
  await alice.press('Escape')
  await alice.page.mouse.dblclick(p.x, p.y)
  await alice.page.keyboard.type('!')
  await alice.press('Escape')
  await waitForText([alice, bob], note.id, 'Ship it today! v2!')

  // Opening it again while the last save is still unanswered (the lease is still hers).
  await appendText(alice, at, ' ok')
  await alice.page.mouse.dblclick(p.x, p.y)
  await alice.page.keyboard.type('?')
  await alice.press('Escape')
  await waitForText([alice, bob], note.id, 'Ship it today! v2! ok?')

  const shapes = await waitForConvergence(
    [alice, bob],
    (s) => s.length === 2 && s.some((x) => x.text === 'Quick note'),
  )
  expect(shapes.map((s) => s.text).sort()).toEqual(['Quick note', 'Ship it today! v2! ok?'])
  expect(await alice.notices()).toEqual([])
  // Nothing is left held: Bob can edit the note.
  await expect.poll(() => bob.locks()).toEqual([])
  await appendText(bob, at, ' (Bob)')
  await waitForText([alice, bob], note.id, 'Ship it today! v2! ok? (Bob)')
})

test('closing the tab right after typing keeps the text: saved, or offered back when the board is opened again', async ({
  openUser,
}, testInfo) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  const at: [number, number] = [640, 400]
  const note = await alice.placeSticky(at, 'Shopping')
  await bob.waitForShapes((s) => s.some((x) => x.id === note.id && x.text === 'Shopping'))

  // 1. Typed and the tab closed at once, inside the commit debounce: the page's unload handlers run.
  await appendText(alice, at, ': milk, eggs', false)
  const savingWhenClosed = await editorStatus(alice).textContent()
  const closed = alice.page.waitForEvent('close')
  await alice.page.close({ runBeforeUnload: true })
  await closed
  await alice.openNewPage()
  const first = await savedOrOffered(alice, [bob], note.id, 'Shopping: milk, eggs')
  testInfo.annotations.push({
    type: 'closed mid-typing',
    description: `${first} (editor said “${savingWhenClosed}” when the tab closed)`,
  })

  // 2. The socket is cut, so no commit can be sent; she types on and the tab is closed like a crash
  //    (no unload handlers): only the draft kept on every keystroke has the text.
  await alice.dblclick(...at)
  await expect(editorStatus(alice)).toHaveAttribute('data-status', 'editing')
  await alice.setOffline(true)
  await expect(alice.status).toHaveAttribute('data-status', 'offline')
  await alice.page.keyboard.press('End')
  await alice.page.keyboard.type(', bread')
  await alice.page.close()
  await alice.setOffline(false)
  expect(await textOf(bob, note.id), 'nothing reached the server').toBe('Shopping: milk, eggs')
  await alice.openNewPage()
  const offer = alice.page.getByTestId('notice').filter({ hasText: 'before the page closed was not saved' })
  await expect(offer).toBeVisible()
  await expect(offer.getByTestId('notice.draft')).toHaveValue('Shopping: milk, eggs, bread')
  await offer.getByTestId('notice.action').click()
  await waitForText([alice, bob], note.id, 'Shopping: milk, eggs, bread')
  await expect(offer).toHaveCount(0)

  // Re-applied means done: opening the board again offers nothing.
  await alice.openNewPage()
  expect(await alice.notices()).toEqual([])
  await waitForConvergence(
    [alice, bob],
    (s) => s.length === 1 && s[0]!.text === 'Shopping: milk, eggs, bread',
  )
})

test('the server is killed (kill -9) mid-session: everyone reconnects by themselves and nothing is lost', async ({
  openUser,
  ownServer,
}) => {
  const own = { baseURL: ownServer.url }
  const alice = await openUser('Alice', undefined, own)
  const bob = await openUser('Bob', undefined, own)
  const at: [number, number] = [640, 300]
  await alice.draw('rect', [260, 420], [380, 500])
  const note = await alice.placeSticky(at, 'Agenda')
  await bob.waitForShapes((s) => s.some((x) => x.id === note.id && x.text === 'Agenda'))
  await appendText(bob, at, ': budget', false)
  await expect.poll(() => bob.locks()).toEqual([expect.objectContaining({ shapeId: note.id, mine: true })])
  const [bobsLock] = await bob.locks()
  await bob.press('Escape')
  await bob.draw('ellipse', [800, 500], [920, 580])
  const before = await waitForConvergence(
    [alice, bob],
    (s) => s.length === 3 && s.some((x) => x.id === note.id && x.text === 'Agenda: budget'),
  )

  await ownServer.kill('SIGKILL')
  for (const u of [alice, bob]) {
    await expect(u.status).not.toHaveAttribute('data-status', 'connected')
    await expect(u.status).toContainText('Reconnecting')
  }
  // While the server is down Alice goes on drawing: kept in her browser, counted as unsynced.
  await alice.draw('arrow', [260, 560], [460, 640])
  await alice.tool('pen').click()
  await alice.dragPath([
    [500, 600],
    [560, 660],
    [620, 610],
  ])
  const offline = await alice.waitForShapes((s) => s.length === 5)
  await expect.poll(async () => Number(await alice.status.getAttribute('data-unsynced'))).toBeGreaterThan(0)
  expect(await bob.shapes()).toEqual(before)

  await ownServer.launch()
  for (const u of [alice, bob]) await expectHealthy(u)
  const after = await waitForConvergence([alice, bob], (s) => s.length === 5)
  for (const s of [...before, ...offline]) expect(after, `shape ${s.kind} ${s.id}`).toContainEqual(s)
  await expect(alice.status).toHaveAttribute('data-unsynced', '0')

  // Both go on: the lock works again with a larger fencing token, shapes and text sync.
  await appendText(alice, at, ', hiring', false)
  await expect.poll(() => alice.locks()).toEqual([expect.objectContaining({ shapeId: note.id, mine: true })])
  const [alicesLock] = await alice.locks()
  expect(alicesLock!.token, 'fencing tokens only grow, also across a restart').toBeGreaterThan(
    bobsLock!.token,
  )
  await alice.press('Escape')
  await bob.draw('rect', [900, 150], [1000, 230])
  await waitForConvergence(
    [alice, bob],
    (s) => s.length === 6 && s.some((x) => x.id === note.id && x.text === 'Agenda: budget, hiring'),
  )

  // Someone who never had the board gets all of it from the server.
  const carol = await openUser('Carol', undefined, own)
  await waitForConvergence([alice, bob, carol], (s) => s.length === 6)
  for (const u of [alice, bob]) await expectHealthy(u)
})

test('kill -9 while typing, then Esc while still reconnecting: every key reaches the board, and the note is free', async ({
  openUser,
  ownServer,
}) => {
  const own = { baseURL: ownServer.url }
  const alice = await openUser('Alice', undefined, own)
  const bob = await openUser('Bob', undefined, own)
  const at: [number, number] = [640, 360]
  const note = await alice.placeSticky(at, 'base')
  await waitForText([bob], note.id, 'base')

  await appendText(alice, at, ' pre9', false)
  await ownServer.kill('SIGKILL') // at once: the save may not have gone out
  await alice.page.keyboard.type(' dead')
  await expect(editorStatus(alice)).toContainText('Offline')
  await ownServer.launch()
  await alice.page.keyboard.type(' alive')
  await alice.press('Escape') // the page has not reconnected yet
  await expect(alice.textEditor).toHaveCount(0)

  for (const u of [alice, bob]) await expectHealthy(u)
  // Saved; or, if a save had gone out and the lock expired while the server was down (its TTL is
  // short here), refused and offered back whole. Never dropped without a word.
  const lost = alice.page.getByTestId('notice').filter({ hasText: 'lost the lock' })
  await expect
    .poll(async () => (await textOf(bob, note.id)) === 'base pre9 dead alive' || (await lost.isVisible()))
    .toBe(true)
  if (await lost.isVisible()) {
    await expect(lost.getByTestId('notice.draft')).toHaveValue('base pre9 dead alive')
    await lost.getByTestId('notice.action').click()
  }
  await waitForText([alice, bob], note.id, 'base pre9 dead alive')
  await expect(alice.page.getByTestId('notice')).toHaveCount(0)
  // Bob takes the note straight after, typing at once: the lock is free, no key becomes a shortcut.
  await bob.dblclick(...at)
  await bob.page.keyboard.press('End')
  await bob.page.keyboard.type(' bob')
  await expect(editorStatus(bob)).toHaveAttribute('data-status', 'editing')
  await bob.press('Escape')
  await waitForText([alice, bob], note.id, 'base pre9 dead alive bob')
  await expect(bob.tool('select')).toHaveAttribute('aria-pressed', 'true')
})

test('the server restarts (SIGTERM) while a user types: no keystroke is lost and she can go on', async ({
  openUser,
  ownServer,
}, testInfo) => {
  const own = { baseURL: ownServer.url }
  const alice = await openUser('Alice', undefined, own)
  const bob = await openUser('Bob', undefined, own)
  const at: [number, number] = [640, 360]
  const note = await alice.placeSticky(at, 'Minutes')
  await bob.waitForShapes((s) => s.some((x) => x.id === note.id && x.text === 'Minutes'))
  await appendText(alice, at, ' 1', false)
  await waitForText([bob], note.id, 'Minutes 1')

  await ownServer.kill('SIGTERM')
  await expect(alice.status).toContainText('Reconnecting')
  // Alice keeps typing in the open editor while the server is away.
  await alice.page.keyboard.type(' 2 3')
  await expect(editorStatus(alice)).toContainText('Offline')
  await ownServer.launch()
  for (const u of [alice, bob]) await expectHealthy(u)

  // Her text is either saved with the lock she had, or kept and offered back to re-apply.
  const lost = alice.page.getByTestId('notice').filter({ hasText: 'lost the lock' })
  let outcome: 'saved' | 'offered' | null = null
  await expect
    .poll(async () => {
      if ((await textOf(bob, note.id)) === 'Minutes 1 2 3') outcome = 'saved'
      else if (await lost.isVisible()) outcome = 'offered'
      return outcome
    })
    .not.toBeNull()
  testInfo.annotations.push({ type: 'typed through the restart', description: outcome! })
  if (outcome === 'offered') {
    await expect(lost.getByTestId('notice.draft')).toHaveValue('Minutes 1 2 3')
    await lost.getByTestId('notice.action').click()
  }
  await waitForText([alice, bob], note.id, 'Minutes 1 2 3')

  // She goes on typing into the same note (the editor may still be open) and leaves it.
  if ((await alice.textEditor.count()) === 0) await alice.dblclick(...at)
  await expect(editorStatus(alice)).toHaveAttribute('data-status', 'editing')
  await alice.appendText(' 4')
  await waitForText([alice, bob], note.id, 'Minutes 1 2 3 4')
  await expect(alice.page.getByTestId('notice')).toHaveCount(0)
  // And Bob can take the note over afterwards.
  await appendText(bob, at, ' 5')
  await waitForText([alice, bob], note.id, 'Minutes 1 2 3 4 5')
})

test('the board on a plain-http LAN hostname (not a secure context) works end to end', async ({
  openUser,
  lanBrowser,
}) => {
  const port = new URL(process.env.EASEL_URL!).port
  const errors: string[] = []
  const alice = await openUser('Alice', undefined, {
    browser: lanBrowser,
    baseURL: `http://easel.test:${port}`,
    setup: async (context) => {
      context.on('page', (p) => p.on('pageerror', (e) => errors.push(e.message)))
    },
  })
  const bob = await openUser('Bob')
  expect(alice.page.url()).toMatch(new RegExp(`^http://easel\\.test:${port}/b/`))
  expect(await alice.page.evaluate(() => window.isSecureContext)).toBe(false)
  expect(await alice.page.evaluate(() => typeof navigator.clipboard)).toBe('undefined')
  expect(await bob.page.evaluate(() => window.isSecureContext)).toBe(true)

  // The canvas paints: a drawn rectangle changes its pixels.
  const canvas = alice.page.getByTestId('canvas')
  const blank = await canvas.screenshot()
  await alice.draw('rect', [300, 200], [460, 320])
  await alice.waitForShapes((s) => s.length === 1)
  await alice.frame()
  expect((await canvas.screenshot()).equals(blank), 'the rectangle is painted').toBe(false)

  // A sticky is written and edited; Bob, on localhost, sees both committed.
  const at: [number, number] = [760, 300]
  const note = await alice.placeSticky(at, 'LAN')
  await appendText(alice, at, ' party')
  const shapes = await waitForConvergence(
    [alice, bob],
    (s) => s.length === 2 && s.some((x) => x.id === note.id && x.text === 'LAN party'),
  )
  expect(kinds(shapes)).toEqual(['rect', 'sticky'])

  // A draft notice (text typed while the socket was cut, then the tab closed): "Copy text" works
  // without navigator.clipboard, by selecting the text for the legacy copy.
  await alice.dblclick(...at)
  await expect(editorStatus(alice)).toHaveAttribute('data-status', 'editing')
  await alice.setOffline(true)
  await expect(alice.status).toHaveAttribute('data-status', 'offline')
  await alice.page.keyboard.press('End')
  await alice.page.keyboard.type(' tonight')
  await alice.page.close()
  await alice.setOffline(false)
  await alice.openNewPage()
  const offer = alice.page.getByTestId('notice').filter({ hasText: 'before the page closed was not saved' })
  await expect(offer.getByTestId('notice.draft')).toHaveValue('LAN party tonight')
  await offer.getByTestId('notice.copy').click()
  await expect(offer.getByTestId('notice.copy')).toHaveAttribute('data-state', /^(copied|select)$/)
  const selected = await alice.page.evaluate(() => {
    const el = document.activeElement as HTMLTextAreaElement | null
    return el ? { testid: el.dataset.testid, text: el.value.slice(el.selectionStart, el.selectionEnd) } : null
  })
  expect(selected).toEqual({ testid: 'notice.draft', text: 'LAN party tonight' })
  await offer.getByTestId('notice.action').click()
  await waitForText([alice, bob], note.id, 'LAN party tonight')
  expect(errors, 'no uncaught errors on the non-secure origin').toEqual([])
})

test('a client the server refuses for good is told why, keeps its shapes and gets back through a reload from the server', async ({
  openUser,
}) => {
  // Alice's socket goes through Playwright, so the "server" can refuse her (4409) at a chosen moment.
  const net: { route: WebSocketRoute | null; hold: boolean; passthrough: boolean } = {
    route: null,
    hold: false,
    passthrough: false,
  }
  const alice = await openUser('Alice', undefined, {
    setup: (context) =>
      context.routeWebSocket(/\/ws\//, (ws) => {
        const server = ws.connectToServer()
        if (net.passthrough) return
        net.route = ws
        ws.onMessage((m) => {
          if (!net.hold) server.send(m)
        })
      }),
  })
  const bob = await openUser('Bob')
  await alice.draw('rect', [280, 340], [440, 440])
  const [rect] = await waitForConvergence([alice, bob], (s) => s.length === 1)

  // Alice draws more, but these updates never reach the server; then it refuses her for good.
  net.hold = true
  await alice.draw('ellipse', [600, 240], [760, 340])
  await alice.tool('pen').click()
  await alice.dragPath([
    [300, 500],
    [360, 560],
    [420, 520],
  ])
  const mine = await alice.waitForShapes((s) => s.length === 3)
  await net.route!.close({ code: 4409, reason: 'update writes to protected root "versioned"' })

  const panel = problemPanel(alice)
  await expect(panel).toBeVisible()
  await expect(panel).toHaveAttribute('data-code', '4409')
  await expect(panel.getByRole('heading')).toHaveText("This browser's copy cannot be synced")
  await expect(panel).toContainText('the server refused it')
  await expect(panel).toContainText('Your board is kept aside first')
  await expect(panel).toContainText('The server said: “update writes to protected root "versioned"”')
  await expect(panel.getByTestId('connection-problem.export')).toBeVisible()
  await expect(alice.status).toHaveAttribute('data-status', 'offline')
  await expect(alice.status).toHaveText('Offline')
  // The work is still there, on screen, and stays there: no reconnect loop.
  expect(await alice.shapes()).toEqual(mine)
  expect(kinds(await bob.shapes())).toEqual(['rect'])
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  await alice.page.screenshot({ path: path.join(ARTIFACTS, 'connection-problem.png') })

  // The way back: reload from the server (the route now lets everything through).
  net.passthrough = true
  await panel.getByTestId('connection-problem.reload-from-server').click()
  const recovery = alice.page.getByTestId('recovery')
  await expect(recovery).toContainText('Your board from before the reload (3 shapes)')
  await expect(panel).toHaveCount(0)
  await alice.waitConnected()
  // Reloaded from the server: only what the server had, until Alice re-applies.
  expect((await alice.shapes()).map((s) => s.id)).toEqual([rect!.id])
  await alice.page.screenshot({ path: path.join(ARTIFACTS, 'recovery.png') })
  await recovery.getByTestId('recovery.apply').click()
  await expect(alice.page.getByTestId('recovery.summary')).toContainText('2 shapes brought back')
  const shapes = await waitForConvergence([alice, bob], (s) => s.length === 3)
  for (const s of mine) {
    const { versions: _v, ...props } = s
    expect(shapes.find((x) => x.id === s.id)).toMatchObject(props)
  }
  await alice.page.getByTestId('recovery.close').click()
  await expect(alice.page.getByTestId('recovery')).toHaveCount(0)

  // And she is back for good: a new shape reaches Bob.
  await alice.draw('rect', [900, 500], [1000, 600])
  await waitForConvergence([alice, bob], (s) => s.length === 4)
  await expectHealthy(alice)
  await expect(alice.status).toHaveAttribute('data-unsynced', '0')
})

test('one long session: edits, a reload, a blip, kill -9 and SIGTERM restarts, typing at once, offline and closing mid-typing', async ({
  openUser,
  ownServer,
}) => {
  test.setTimeout(150_000)
  const own = { baseURL: ownServer.url }
  const alice = await openUser('Alice', undefined, own)
  const bob = await openUser('Bob', undefined, own)
  const both = [alice, bob]
  const plan: [number, number] = [400, 550]
  const notes: [number, number] = [900, 550]
  /** Double-clicks a note and types at once (no wait for the lock), at the end of its text. */
  const typeInto = async (u: BoardPage, at: [number, number], text: string) => {
    await u.dblclick(...at)
    await u.page.keyboard.press('End')
    await u.page.keyboard.type(text)
  }
  const healthy = async () => {
    for (const u of both) await expectHealthy(u)
    return waitForConvergence(both)
  }

  // A while of editing: shapes, notes committed in bursts, a delete and its undo.
  await alice.draw('rect', [300, 200], [450, 300])
  await bob.draw('ellipse', [700, 200], [850, 300])
  const a = await alice.placeSticky(plan, 'Plan')
  const b = await bob.placeSticky(notes, 'Notes')
  let planText = 'Plan'
  let notesText = 'Notes'
  for (const word of [' one', ' two', ' three']) {
    await typeInto(bob, notes, word)
    notesText += word
    await waitForText(both, b.id, notesText)
    await bob.press('Escape')
  }
  await alice.tool('select').click()
  await alice.click(375, 250)
  await alice.press('Delete')
  await alice.waitForShapes((s) => s.length === 3)
  // Undone at once, before the delete's answer may have come: the undo goes after it.
  await alice.press('Control+z')
  await waitForConvergence(both, (s) => s.length === 4)
  await healthy()

  // Bob reloads and goes on.
  await bob.page.reload()
  await typeInto(bob, notes, ' four')
  notesText += ' four'
  await bob.press('Escape')
  await waitForText(both, b.id, notesText)
  await healthy()

  // Alice's network drops while she draws and types into her note: her pill says offline and her
  // edits wait in her browser.
  await alice.setOffline(true)
  await alice.draw('rect', [300, 650], [400, 720])
  await typeInto(alice, plan, ' (offline)')
  planText += ' (offline)'
  await expect(alice.status).toHaveAttribute('data-status', 'offline')
  await expect.poll(async () => (await alice.connection()).unsynced).toBeGreaterThan(0)
  await alice.setOffline(false)
  await waitForText(both, a.id, planText)
  await alice.press('Escape')
  await healthy()

  // kill -9 while Bob types; he goes on typing and Alice drawing while the server is down.
  await typeInto(bob, notes, ' five')
  await ownServer.kill('SIGKILL')
  await bob.page.keyboard.type(' six')
  notesText += ' five six'
  await alice.draw('ellipse', [500, 650], [600, 720])
  await ownServer.launch()
  await waitForText(both, b.id, notesText)
  await bob.press('Escape')
  await healthy()
  await ownServer.kill('SIGTERM')
  await ownServer.launch()
  await healthy()

  // While the server is down, Alice opens her note and types at once.
  await ownServer.kill('SIGKILL')
  await expect(alice.status).not.toHaveAttribute('data-status', 'connected')
  await typeInto(alice, plan, ' down')
  planText += ' down'
  await alice.press('Escape')
  await ownServer.launch()
  await waitForText(both, a.id, planText)

  // Typing, then a reload at once; typing, then the tab closed at once. Typed before the lock came,
  // the text has no lease to be saved under yet: then the next page offers it back (the draft was
  // kept), and re-applying it puts it on the board.
  await typeInto(alice, plan, ' reload')
  planText += ' reload'
  await alice.page.reload()
  await savedOrOffered(alice, [bob], a.id, planText)
  await typeInto(bob, notes, ' bye')
  notesText += ' bye'
  await bob.page.close({ runBeforeUnload: true })
  await bob.openNewPage()
  await savedOrOffered(bob, [alice], b.id, notesText)
  const final = await healthy()
  expect(final.map((s) => s.kind).sort()).toEqual(['ellipse', 'ellipse', 'rect', 'rect', 'sticky', 'sticky'])
  for (const u of both) expect(await u.notices(), `${u.name} was shown nothing to recover`).toEqual([])
})
