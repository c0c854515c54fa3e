import { type Browser, type BrowserContext, test as base, expect, type Page } from '@playwright/test'

export type ShapeJson = {
  id: string
  kind: string
  x: number
  y: number
  w: number
  h: number
  rotation: number
  z: string
  stroke: string
  fill: string
  strokeWidth: number
  opacity: number
  points?: number[]
  text: string
  deleted: boolean
  versions: Record<string, number>
}

/** One user on one board: a browser context of its own, driven through real mouse and keyboard. */
export class BoardPage {
  constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly room: string,
  ) {}

  static async open(browser: Browser, room: string, name: string): Promise<BoardPage> {
    const context = await browser.newContext({ baseURL: process.env.EASEL_URL })
    await context.addInitScript((n) => {
      if (!localStorage.getItem('easel:name')) localStorage.setItem('easel:name', n)
    }, name)
    const page = await context.newPage()
    const board = new BoardPage(context, page, room)
    await board.goto()
    return board
  }

  async goto(): Promise<void> {
    await this.page.goto(`/b/${this.room}`)
    await expect(this.page.getByTestId('canvas')).toBeVisible()
    await this.waitConnected()
  }

  async waitConnected(): Promise<void> {
    await expect
      .poll(() => this.page.evaluate(() => (window.__easel?.connection() as { synced?: boolean })?.synced))
      .toBe(true)
  }

  tool(name: string) {
    return this.page.getByTestId(`tool.${name}`)
  }

  /** Canvas-relative point to page coordinates of the browser window. */
  async at(x: number, y: number): Promise<{ x: number; y: number }> {
    const box = (await this.page.getByTestId('canvas').boundingBox())!
    return { x: box.x + x, y: box.y + y }
  }

  async drag(from: [number, number], to: [number, number], steps = 8): Promise<void> {
    const a = await this.at(...from)
    const b = await this.at(...to)
    await this.page.mouse.move(a.x, a.y)
    await this.page.mouse.down()
    await this.page.mouse.move(b.x, b.y, { steps })
    await this.page.mouse.up()
  }

  async click(x: number, y: number, options: { shift?: boolean } = {}): Promise<void> {
    const p = await this.at(x, y)
    if (options.shift) await this.page.keyboard.down('Shift')
    await this.page.mouse.click(p.x, p.y)
    if (options.shift) await this.page.keyboard.up('Shift')
  }

  async draw(tool: string, from: [number, number], to: [number, number]): Promise<void> {
    await this.tool(tool).click()
    await this.drag(from, to)
  }

  shapes(): Promise<ShapeJson[]> {
    return this.page.evaluate(() => window.__easel!.shapes() as ShapeJson[])
  }

  async waitForShapes(predicate: (shapes: ShapeJson[]) => boolean, message = 'shapes'): Promise<ShapeJson[]> {
    let last: ShapeJson[] = []
    await expect
      .poll(
        async () => {
          last = await this.shapes()
          return predicate(last)
        },
        { message },
      )
      .toBe(true)
    return last
  }

  async close(): Promise<void> {
    await this.context.close()
  }
}

export function uniqueRoom(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

type Fixtures = {
  /** Opens a board for a new user (own browser context); all are closed after the test. */
  openUser: (name: string, room?: string) => Promise<BoardPage>
  room: string
}

export const test = base.extend<Fixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures must destructure their dependencies
  room: async ({}, use, testInfo) => {
    await use(uniqueRoom(testInfo.title.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 30)))
  },
  openUser: async ({ browser, room }, use) => {
    const opened: BoardPage[] = []
    await use(async (name, r = room) => {
      const b = await BoardPage.open(browser, r, name)
      opened.push(b)
      return b
    })
    for (const b of opened) await b.context.close().catch(() => {})
  },
})

export { expect }
