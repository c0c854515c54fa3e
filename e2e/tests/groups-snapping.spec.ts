import fs from 'node:fs'
import path from 'node:path'
import { type BoardPage, expect, type ShapeJson, test, waitForConvergence } from './fixtures.ts'

const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts')

type Strip = { x: number; y: number; w: number; h: number }

/**
 * Painted pixels of the overlay layer (selection, group frames, guides: the stage's second
 * canvas) inside a canvas-space box, optionally only those close to an RGB colour.
 */
function overlayPixels(user: BoardPage, box: Strip, rgb?: [number, number, number]): Promise<number> {
  return user.page.evaluate(
    ({ b, rgb }) => {
      const canvas = document.querySelectorAll('[data-testid="canvas"] canvas')[1] as HTMLCanvasElement
      const ratio = canvas.width / canvas.getBoundingClientRect().width
      const data = canvas
        .getContext('2d')!
        .getImageData(
          Math.round(b.x * ratio),
          Math.round(b.y * ratio),
          Math.max(1, Math.round(b.w * ratio)),
          Math.max(1, Math.round(b.h * ratio)),
        ).data
      let n = 0
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! < 60) continue
        if (
          rgb &&
          Math.abs(data[i]! - rgb[0]) + Math.abs(data[i + 1]! - rgb[1]) + Math.abs(data[i + 2]! - rgb[2]) >
            120
        )
          continue
        n++
      }
      return n
    },
    { b: box, rgb },
  )
}

async function screenshot(user: BoardPage, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  await user.page.screenshot({ path: path.join(ARTIFACTS, name) })
}

/** Alice's two rectangles, as drawn (page space is canvas space: the camera starts at 0, 0, 100 %). */
async function twoRects(alice: BoardPage, bob: BoardPage): Promise<[ShapeJson, ShapeJson]> {
  await alice.draw('rect', [300, 200], [460, 300])
  await alice.draw('rect', [560, 200], [720, 300])
  const shapes = await waitForConvergence([alice, bob], (s) => s.length === 2, 'both rectangles')
  expect(await alice.camera()).toEqual({ x: 0, y: 0, z: 1 })
  return shapes as [ShapeJson, ShapeJson]
}

test('a selected group has one dashed frame around its members; a multi-selection outlines each shape', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  const [a] = await twoRects(alice, bob)
  const top = a.y
  // Above the first rectangle, away from the selection's handles: where a group frame runs
  // (6 px out) and where a shape's own outline runs (2 px out).
  const frameStrip = { x: a.x + 40, y: top - 8, w: 80, h: 3 }
  const outlineStrip = { x: a.x + 40, y: top - 3, w: 80, h: 1 }

  await alice.press('Control+a')
  await expect
    .poll(() => overlayPixels(alice, outlineStrip), { message: 'each shape outlined' })
    .toBeGreaterThan(40)
  expect(await overlayPixels(alice, frameStrip), 'no group frame').toBe(0)
  await screenshot(alice, 'multi-selection.png')

  await alice.press('Control+g')
  await bob.waitForShapes((s) => s.every((x) => x.parent && x.parent === s[0]!.parent), 'grouped')
  await alice.click(900, 600)
  await alice.clickShape(a)
  await bob.waitForPeer('Alice', (p) => p.selection.length === 2, 'the click selected the whole group')
  // One frame around the group; no outline per member.
  await expect
    .poll(() => overlayPixels(alice, frameStrip), { message: 'the group frame' })
    .toBeGreaterThan(20)
  expect(await overlayPixels(alice, outlineStrip), 'no per-shape outline').toBe(0)
  await screenshot(alice, 'group-selected.png')

  // Hovering a member with nothing selected shows the group's frame, faintly.
  await alice.click(900, 600)
  await expect.poll(() => overlayPixels(alice, frameStrip)).toBe(0)
  await alice.moveTo(a.x + 80, a.y + 50, 3)
  await expect
    .poll(() => overlayPixels(alice, frameStrip), { message: 'faint group frame on hover' })
    .toBeGreaterThan(10)
  await screenshot(alice, 'group-hover.png')
})

test('a double-click enters a group: a drag then moves that member alone, for the other user too', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  const [a, b] = await twoRects(alice, bob)
  await alice.press('Control+a')
  await alice.press('Control+g')
  await bob.waitForShapes((s) => s.every((x) => x.parent && x.parent === s[0]!.parent), 'grouped')

  await alice.dblclick(a.x + 80, a.y + 50)
  await bob.waitForPeer(
    'Alice',
    (p) => p.selection.length === 1 && p.selection[0] === a.id,
    'one member selected',
  )
  await screenshot(alice, 'group-entered.png')
  await alice.drag([a.x + 80, a.y + 50], [a.x + 80, a.y + 250])
  const after = await bob.waitForShapes(
    (s) => s.find((x) => x.id === a.id)?.y === a.y + 200,
    'the entered member moved',
  )
  expect(after.find((x) => x.id === b.id)).toMatchObject({ x: b.x, y: b.y })
  expect(after.find((x) => x.id === a.id)!.parent).toBe(after.find((x) => x.id === b.id)!.parent)

  // Esc leaves the group: a click on a member selects the whole group again.
  await alice.press('Escape')
  await alice.click(b.x + 80, b.y + 50)
  await bob.waitForPeer('Alice', (p) => p.selection.length === 2, 'the whole group selected again')
})

test('a dragged shape snaps to another one’s edges, with guides while dragging; Ctrl moves freely', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [300, 120], [460, 220])
  await alice.draw('rect', [600, 400], [700, 480])
  const [a, b] = (await bob.waitForShapes((s) => s.length === 2, 'both rectangles')) as [ShapeJson, ShapeJson]

  // Grab b's centre and bring its top-left corner to 4 px right of and 3 px below a's.
  const grab: [number, number] = [b.x + 50, b.y + 40]
  const drop: [number, number] = [grab[0] + (a.x + 4 - b.x), grab[1] + (a.y + 3 - b.y)]
  let p = await alice.at(...grab)
  await alice.page.mouse.move(p.x, p.y)
  await alice.page.mouse.down()
  p = await alice.at(...drop)
  await alice.page.mouse.move(p.x, p.y, { steps: 10 })
  // While the button is held: guides along a's left edge and its top.
  const orange: [number, number, number] = [0xe8, 0x59, 0x0c]
  // (Below b and right of it, where only a and the guides are.)
  const vertical = { x: a.x - 1, y: a.y + 84, w: 3, h: 14 }
  const horizontal = { x: a.x + 110, y: a.y - 1, w: 40, h: 3 }
  await expect
    .poll(() => overlayPixels(alice, vertical, orange), { message: 'vertical guide' })
    .toBeGreaterThan(8)
  expect(await overlayPixels(alice, horizontal, orange), 'horizontal guide').toBeGreaterThan(20)
  await screenshot(alice, 'snap-guides.png')
  await alice.page.mouse.up()
  await expect.poll(() => overlayPixels(alice, vertical, orange), { message: 'guides gone' }).toBe(0)

  const snapped = await bob.waitForShapes(
    (s) => s.find((x) => x.id === b.id)?.x === a.x,
    'b aligned with a, exactly',
  )
  expect(snapped.find((x) => x.id === b.id)).toMatchObject({ x: a.x, y: a.y })

  // Holding Ctrl: a move to 3 px right of a's right edge and 2 px below its top lands there.
  const from: [number, number] = [a.x + 50, a.y + 40]
  const to: [number, number] = [from[0] + a.w + 3, from[1] + 2]
  p = await alice.at(...from)
  await alice.page.mouse.move(p.x, p.y)
  await alice.page.keyboard.down('Control')
  await alice.page.mouse.down()
  p = await alice.at(...to)
  await alice.page.mouse.move(p.x, p.y, { steps: 10 })
  await alice.page.mouse.up()
  await alice.page.keyboard.up('Control')
  const free = await bob.waitForShapes(
    (s) => s.find((x) => x.id === b.id)?.x === a.x + a.w + 3,
    'moved freely',
  )
  expect(free.find((x) => x.id === b.id)).toMatchObject({ x: a.x + a.w + 3, y: a.y + 2 })
})

test('a double-click on empty canvas opens a new text; what is typed appears for the other user', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.dblclick(400, 300)
  await expect(alice.textEditor).toBeFocused()
  await alice.page.keyboard.type('Typed where I clicked')
  await screenshot(alice, 'dblclick-text.png')
  await alice.press('Escape')
  await expect(alice.textEditor).toHaveCount(0)
  const shapes = await bob.waitForShapes(
    (s) => s.some((x) => x.kind === 'text' && x.text === 'Typed where I clicked'),
    'the text',
  )
  expect(shapes.find((x) => x.kind === 'text')).toMatchObject({ x: 400 })

  // Left empty, the new text goes away again.
  await alice.dblclick(400, 600)
  await expect(alice.textEditor).toBeFocused()
  await alice.press('Escape')
  await expect(alice.textEditor).toHaveCount(0)
  await alice.waitForShapes((s) => s.length === 1, 'the empty text deleted')
  await bob.waitForShapes((s) => s.length === 1, 'the empty text deleted for Bob too')
})
