import { isDeepStrictEqual } from 'node:util'
import {
  type Browser,
  type BrowserContext,
  test as base,
  type Download,
  expect,
  type Locator,
  type Page,
} from '@playwright/test'
import type { DebugPeer, DebugVec, EaselDebug } from '@easel/client/debug.ts'
import type { Shape } from '@easel/shared'

export type ShapeJson = Shape
export type Camera = ReturnType<EaselDebug['camera']>
export type Vec = DebugVec
export type PeerJson = DebugPeer
export type ConnectionJson = ReturnType<EaselDebug['connection']>
export type LockJson = ReturnType<EaselDebug['locks']>[number]
export type NoticeJson = ReturnType<EaselDebug['notices']>[number]

/** How a user's browser is set up before the board opens (all optional). */
export type OpenOptions = {
  /** Origin the board is opened on (default EASEL_URL, the suite's server). */
  baseURL?: string
  /** The browser to open the context in (default the test's browser). */
  browser?: Browser
  /** Runs on the new context before its first page opens (routes, init scripts). */
  setup?: (context: BrowserContext) => Promise<void>
}

/** One user on one board: a browser context of its own, driven through real mouse and keyboard. */
export class BoardPage {
  constructor(
    readonly context: BrowserContext,
    public page: Page,
    readonly room: string,
    readonly name: string,
  ) {}

  static async open(
    browser: Browser,
    room: string,
    name: string,
    options: OpenOptions = {},
  ): Promise<BoardPage> {
    const context = await (options.browser ?? browser).newContext({
      baseURL: options.baseURL ?? process.env.EASEL_URL,
    })
    await context.addInitScript((n) => {
      // about:blank (a new page before its first navigation) has no localStorage: it throws there.
      try {
        if (!localStorage.getItem('easel:name')) localStorage.setItem('easel:name', n)
      } catch {}
    }, name)
    await options.setup?.(context)
    const page = await context.newPage()
    const board = new BoardPage(context, page, room, name)
    await board.goto()
    return board
  }

  async goto(): Promise<void> {
    await this.page.goto(`/b/${this.room}`)
    await expect(this.page.getByTestId('canvas')).toBeVisible()
    await this.waitConnected()
  }

  /** Opens the board in a new page of the same context (same IndexedDB and localStorage). */
  async openNewPage(): Promise<void> {
    if (!this.page.isClosed()) await this.page.close()
    this.page = await this.context.newPage()
    await this.goto()
  }

  async waitConnected(): Promise<void> {
    await expect
      .poll(() => this.page.evaluate(() => window.__easel?.connection().synced), {
        message: `${this.name} is connected and synced`,
      })
      .toBe(true)
  }

  tool(name: string): Locator {
    return this.page.getByTestId(`tool.${name}`)
  }

  /** A style panel button, e.g. `style('stroke.#e03131')`. */
  style(name: string): Locator {
    return this.page.getByTestId(`style.${name}`)
  }

  get status(): Locator {
    return this.page.getByTestId('connection-status')
  }

  /** Another user's avatar in the people list. */
  peer(name: string): Locator {
    return this.page.locator(`[data-testid="people.peer"][data-name="${name}"]`)
  }

  /** Another user's cursor on the canvas. */
  cursorOf(name: string): Locator {
    return this.page.locator(`[data-testid="peer-cursor"][data-name="${name}"]`)
  }

  /** Canvas-relative point to page coordinates of the browser window. */
  async at(x: number, y: number): Promise<{ x: number; y: number }> {
    const box = (await this.page.getByTestId('canvas').boundingBox())!
    return { x: box.x + x, y: box.y + y }
  }

  /** Canvas-relative point of a board (page-space) point, through this user's camera. */
  async toScreen(p: Vec): Promise<[number, number]> {
    const c = await this.camera()
    return [(p.x + c.x) * c.z, (p.y + c.y) * c.z]
  }

  async moveTo(x: number, y: number, steps = 1): Promise<void> {
    const p = await this.at(x, y)
    await this.page.mouse.move(p.x, p.y, { steps })
  }

  async drag(from: [number, number], to: [number, number], steps = 8): Promise<void> {
    const a = await this.at(...from)
    const b = await this.at(...to)
    await this.page.mouse.move(a.x, a.y)
    await this.page.mouse.down()
    await this.page.mouse.move(b.x, b.y, { steps })
    await this.page.mouse.up()
  }

  /** Presses at the first point, moves through the others (in steps) and releases. */
  async dragPath(points: [number, number][], stepsPerSegment = 4): Promise<void> {
    const [first, ...rest] = points
    const a = await this.at(...first!)
    await this.page.mouse.move(a.x, a.y)
    await this.page.mouse.down()
    for (const p of rest) {
      const b = await this.at(...p)
      await this.page.mouse.move(b.x, b.y, { steps: stepsPerSegment })
    }
    await this.page.mouse.up()
  }

  async click(x: number, y: number, options: { shift?: boolean } = {}): Promise<void> {
    const p = await this.at(x, y)
    if (options.shift) await this.page.keyboard.down('Shift')
    await this.page.mouse.click(p.x, p.y)
    if (options.shift) await this.page.keyboard.up('Shift')
  }

  /** Clicks the centre of a shape's box (with the select tool that selects it). */
  async clickShape(shape: Pick<ShapeJson, 'x' | 'y' | 'w' | 'h'>): Promise<void> {
    const [x, y] = await this.toScreen({ x: shape.x + shape.w / 2, y: shape.y + shape.h / 2 })
    await this.click(x, y)
  }

  async draw(tool: string, from: [number, number], to: [number, number]): Promise<void> {
    await this.tool(tool).click()
    await this.drag(from, to)
  }

  async dblclick(x: number, y: number): Promise<void> {
    const p = await this.at(x, y)
    await this.page.mouse.dblclick(p.x, p.y)
  }

  /** Places a sticky note centred on a canvas point, types its text, leaves the editor, returns it. */
  async placeSticky(at: [number, number], text: string): Promise<ShapeJson> {
    await this.tool('sticky').click()
    await this.click(...at)
    await this.typeText(text)
    const s = await this.waitForShapes((all) => all.some((x) => x.kind === 'sticky' && x.text === text))
    return s.find((x) => x.kind === 'sticky' && x.text === text)!
  }

  /** The in-place text editor (open while this user edits a text or sticky note). */
  get textEditor(): Locator {
    return this.page.getByTestId('text-editor')
  }

  /** Types into the text editor that just opened (after placing a text or sticky) and leaves it. */
  async typeText(text: string): Promise<void> {
    await expect(this.textEditor).toBeFocused()
    await this.page.keyboard.type(text)
    await this.page.keyboard.press('Escape')
    await expect(this.textEditor).toHaveCount(0)
  }

  /**
   * A touch screen, driven through Chromium's devtools protocol: each call says which fingers are
   * down and where (page coordinates; finger ids by position in the list).
   */
  async touchScreen(): Promise<
    (type: 'touchStart' | 'touchMove' | 'touchEnd', points: [number, number][]) => Promise<unknown>
  > {
    const cdp = await this.context.newCDPSession(this.page)
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 })
    return (type, points) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map(([x, y], id) => ({ x, y, id })) })
  }

  /** In the open text editor: types `text` at the end, then leaves the editor (Escape). */
  async appendText(text: string): Promise<void> {
    await this.page.keyboard.press('End')
    await this.page.keyboard.type(text)
    await this.page.keyboard.press('Escape')
  }

  async press(key: string): Promise<void> {
    await this.page.keyboard.press(key)
  }

  /** Opens the ☰ menu and clicks one of its items. */
  async menu(item: string): Promise<void> {
    await this.page.getByTestId('menu').click()
    await this.page.getByTestId(item).click()
  }

  /** Runs a menu export and returns the download it produced. */
  async exportFile(item: 'export.png' | 'export.svg' | 'export.json'): Promise<Download> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.menu(item)])
    return download
  }

  /** Imports a file through the hidden file input of "Import JSON…". */
  async importFile(name: string, contents: string | Buffer): Promise<void> {
    await this.page.getByTestId('import.file').setInputFiles({
      name,
      mimeType: 'application/json',
      buffer: typeof contents === 'string' ? Buffer.from(contents) : contents,
    })
  }

  /** Waits until the page has painted twice (pending per-frame writes are flushed, Konva drew). */
  async frame(): Promise<void> {
    await this.page.evaluate(
      () => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))),
    )
  }

  /**
   * Waits until every IndexedDB write already issued by this page has committed: a read-only
   * transaction over every store of every database only starts after earlier read/write ones.
   */
  async flushLocalStore(): Promise<void> {
    await this.page.evaluate(async () => {
      const dbs = await indexedDB.databases()
      for (const info of dbs) {
        if (!info.name) continue
        await new Promise<void>((resolve, reject) => {
          const req = indexedDB.open(info.name!)
          req.onerror = () => reject(req.error)
          req.onsuccess = () => {
            const db = req.result
            const stores = [...db.objectStoreNames]
            if (stores.length === 0) {
              db.close()
              resolve()
              return
            }
            const tx = db.transaction(stores, 'readonly')
            for (const s of stores) tx.objectStore(s).count()
            tx.oncomplete = () => {
              db.close()
              resolve()
            }
            tx.onerror = () => reject(tx.error)
          }
        })
      }
    })
  }

  async setOffline(offline: boolean): Promise<void> {
    await this.context.setOffline(offline)
  }

  shapes(): Promise<ShapeJson[]> {
    return this.page.evaluate(() => window.__easel!.shapes())
  }

  async shape(id: string): Promise<ShapeJson | undefined> {
    return (await this.shapes()).find((s) => s.id === id)
  }

  camera(): Promise<Camera> {
    return this.page.evaluate(() => window.__easel!.camera())
  }

  presence(): Promise<PeerJson[]> {
    return this.page.evaluate(() => window.__easel!.presence())
  }

  connection(): Promise<ConnectionJson> {
    return this.page.evaluate(() => window.__easel!.connection())
  }

  /** Leases this user sees, theirs and others'. */
  locks(): Promise<LockJson[]> {
    return this.page.evaluate(() => window.__easel!.locks())
  }

  /** Notices shown to this user so far. */
  notices(): Promise<NoticeJson[]> {
    return this.page.evaluate(() => window.__easel!.notices())
  }

  async waitForShapes(predicate: (shapes: ShapeJson[]) => boolean, message = 'shapes'): Promise<ShapeJson[]> {
    let last: ShapeJson[] = []
    try {
      await expect
        .poll(
          async () => {
            last = await this.shapes()
            return predicate(last)
          },
          { message: `${this.name}: ${message}` },
        )
        .toBe(true)
    } catch (err) {
      throw withState(err, `${this.name}: ${brief(last)}`)
    }
    return last
  }

  /** Waits until this user's presence list has `name` in a state matching the predicate. */
  async waitForPeer(
    name: string,
    predicate: (peer: PeerJson) => boolean,
    message = 'peer',
  ): Promise<PeerJson> {
    let found: PeerJson | undefined
    await expect
      .poll(
        async () => {
          found = (await this.presence()).find((p) => p.name === name)
          return !!found && predicate(found)
        },
        { message: `${this.name}: ${message}` },
      )
      .toBe(true)
    return found!
  }

  async close(): Promise<void> {
    await this.context.close()
  }
}

/**
 * Waits until every user sees exactly the same shapes (deep equality, key order ignored) and the
 * shared list satisfies `predicate`; returns that list.
 */
export async function waitForConvergence(
  boards: BoardPage[],
  predicate: (shapes: ShapeJson[]) => boolean = () => true,
  message = 'all users see the same shapes',
): Promise<ShapeJson[]> {
  let last: ShapeJson[][] = []
  try {
    await expect
      .poll(
        async () => {
          last = await Promise.all(boards.map((b) => b.shapes()))
          return last.every((s) => isDeepStrictEqual(s, last[0])) && predicate(last[0]!)
        },
        { message },
      )
      .toBe(true)
  } catch (err) {
    throw withState(err, boards.map((b, i) => `${b.name}: ${brief(last[i] ?? [])}`).join('\n'))
  }
  return last[0]!
}

/** The shapes in one short line each, for failure messages. */
export function brief(shapes: ShapeJson[]): string {
  if (shapes.length === 0) return '(no shapes)'
  return shapes
    .map((s) => {
      const { id, kind, x, y, w, h, stroke, fill, strokeWidth, points } = s
      const pts = points ? ` points=${points.length > 12 ? `${points.length} values` : points.join(',')}` : ''
      return `\n  ${id} ${kind} x=${x} y=${y} w=${w} h=${h} ${stroke}/${fill}/${strokeWidth}${pts}`
    })
    .join('')
}

function withState(err: unknown, state: string): unknown {
  if (err instanceof Error) err.message = `${err.message}\n\nLast seen:\n${state}`
  return err
}

/** Kinds of the shapes, sorted, for comparing multisets. */
export function kinds(shapes: ShapeJson[]): string[] {
  return shapes.map((s) => s.kind).sort()
}

export function near(a: number, b: number, tolerance = 1): boolean {
  return Math.abs(a - b) <= tolerance
}

export function uniqueRoom(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

type Fixtures = {
  /** Opens a board for a new user (own browser context); all are closed after the test. */
  openUser: (name: string, room?: string, options?: OpenOptions) => Promise<BoardPage>
  room: string
}

export const test = base.extend<Fixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures must destructure their dependencies
  room: async ({}, use, testInfo) => {
    await use(uniqueRoom(testInfo.title.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 30)))
  },
  openUser: async ({ browser, room }, use) => {
    const opened: BoardPage[] = []
    await use(async (name, r = room, options = {}) => {
      const b = await BoardPage.open(browser, r, name, options)
      opened.push(b)
      return b
    })
    for (const b of opened) await b.context.close().catch(() => {})
  },
})

export { expect }
