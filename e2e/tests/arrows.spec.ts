import fs from 'node:fs'
import path from 'node:path'
import type { TestInfo } from '@playwright/test'
import { type BoardPage, expect, type ShapeJson, test, waitForConvergence } from './fixtures.ts'

const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts')

async function screenshot(user: BoardPage, testInfo: TestInfo, name: string): Promise<void> {
  const file = testInfo.outputPath(`${name}.png`)
  await user.page.screenshot({ path: file })
  await testInfo.attach(name, { path: file, contentType: 'image/png' })
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  fs.copyFileSync(file, path.join(ARTIFACTS, `${name}.png`))
}

/**
 * The colour of the overlay layer (selection, highlights; the stage's second canvas) at a canvas
 * point: [r, g, b, a], a = 0 where nothing is drawn.
 */
function overlayPixel(user: BoardPage, x: number, y: number): Promise<number[]> {
  return user.page.evaluate(
    ([px, py]) => {
      const canvas = document.querySelectorAll('[data-testid="canvas"] canvas')[1] as HTMLCanvasElement
      const ratio = canvas.width / canvas.getBoundingClientRect().width
      return [
        ...canvas.getContext('2d')!.getImageData(Math.round(px! * ratio), Math.round(py! * ratio), 1, 1).data,
      ]
    },
    [x, y],
  )
}

/** Draws with a tool in a few pointer steps (each step is a round trip to the page). */
async function draw(user: BoardPage, tool: string, from: [number, number], to: [number, number]) {
  await user.tool(tool).click()
  await user.drag(from, to, 3)
}

const endOf = (a: ShapeJson) => ({ x: a.x + a.points![2]!, y: a.y + a.points![3]! })
const startOf = (a: ShapeJson) => ({ x: a.x + a.points![0]!, y: a.y + a.points![1]! })
const arrowOf = (shapes: ShapeJson[]) => shapes.find((s) => s.kind === 'arrow')

/** Alice draws a rectangle and an ellipse; both users see them. */
async function rectAndEllipse(alice: BoardPage, bob: BoardPage) {
  await draw(alice, 'rect', [300, 200], [420, 300])
  await draw(alice, 'ellipse', [700, 380], [940, 500])
  // Alice's own copy is final once her drags are done; Bob's may still be a step behind (the
  // ellipse half drawn), so wait until his equals hers.
  const drawn = await waitForConvergence([alice, bob], (s) => s.length === 2, 'both see both shapes')
  const rect = drawn.find((s) => s.kind === 'rect')!
  const ellipse = drawn.find((s) => s.kind === 'ellipse')!
  const centre = { x: ellipse.x + ellipse.w / 2, y: ellipse.y + ellipse.h / 2 }
  return { rect, ellipse, centre }
}

/** Waits until both users see the arrow attached from the rectangle to the ellipse; returns it. */
async function attached(alice: BoardPage, bob: BoardPage, rect: ShapeJson, ellipse: ShapeJson) {
  const shapes = await waitForConvergence(
    [alice, bob],
    (s) => arrowOf(s)?.binding.end === ellipse.id && arrowOf(s)?.binding.start === rect.id,
    'the arrow is attached at both ends',
  )
  return arrowOf(shapes)!
}

test('an arrow drawn from a rectangle to an ellipse glows its target and ends on the ellipse, for both users', async ({
  openUser,
}, testInfo) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  const { rect, ellipse, centre } = await rectAndEllipse(alice, bob)

  // Draw the arrow and hold it over the ellipse: the ellipse's outline glows.
  await alice.tool('arrow').click()
  const top = await alice.toScreen({ x: centre.x, y: ellipse.y })
  expect(await overlayPixel(alice, ...top), 'no highlight before drawing').toEqual([0, 0, 0, 0])
  await alice.moveTo(360, 250)
  await alice.page.mouse.down()
  await alice.moveTo(800, 430, 4)
  await alice.frame()
  const glow = await overlayPixel(alice, ...top)
  expect(glow[3], 'the target ellipse is outlined while the arrow is drawn').toBeGreaterThan(0)
  expect(glow[2]!, 'in the accent colour').toBeGreaterThan(glow[1]!)
  await screenshot(alice, testInfo, 'arrow-target-highlight')
  await alice.page.mouse.up()
  await alice.frame()
  expect((await overlayPixel(alice, ...top))[3], 'no highlight after the release').toBe(0)

  // Both users see it attached, its end just off the ellipse's outline (not its box's corner).
  const arrow = await attached(alice, bob, rect, ellipse)
  const end = endOf(arrow)
  const r = Math.hypot((end.x - centre.x) / (ellipse.w / 2), (end.y - centre.y) / (ellipse.h / 2))
  expect(r, 'the end is on the ellipse (plus a small gap)').toBeGreaterThan(1)
  expect(r).toBeLessThan(1.12)
  // ... on the line between the two centres.
  const rc = { x: rect.x + rect.w / 2, y: rect.y + rect.h / 2 }
  const cross = (end.x - rc.x) * (centre.y - rc.y) - (end.y - rc.y) * (centre.x - rc.x)
  expect(Math.abs(cross) / Math.hypot(centre.x - rc.x, centre.y - rc.y)).toBeLessThan(1)
  await screenshot(alice, testInfo, 'arrow-attached')
})

test('dragging an attached arrow by its body detaches it, for the other user too', async ({ openUser }) => {
  // Frames from the server to Alice can be held back: her drag then happens before the server's
  // answer to the attachment arrives, as on a slow network.
  const held: { on: boolean; frames: (() => void)[] } = { on: false, frames: [] }
  const alice = await openUser('Alice', undefined, {
    setup: (context) =>
      context.routeWebSocket(/\/ws\//, (ws) => {
        const server = ws.connectToServer()
        server.onMessage((m) => (held.on ? held.frames.push(() => ws.send(m)) : ws.send(m)))
      }),
  })
  const bob = await openUser('Bob')
  const { rect, ellipse, centre } = await rectAndEllipse(alice, bob)
  held.on = true
  await draw(alice, 'arrow', [360, 250], [820, 440])
  const arrow = await attached(bob, bob, rect, ellipse)
  const end = endOf(arrow)

  // Dragging the arrow's body moves it off both shapes: it comes loose and stays there.
  const s0 = startOf(arrow)
  const mid = await alice.toScreen({ x: (s0.x + end.x) / 2, y: (s0.y + end.y) / 2 })
  await alice.drag(mid, [mid[0], mid[1] + 200], 4)
  held.on = false
  for (const send of held.frames.splice(0)) send()
  const moved = await waitForConvergence(
    [alice, bob],
    (s) => {
      const a = arrowOf(s)
      return !!a && a.binding.start === null && a.binding.end === null && Math.abs(a.y - (arrow.y + 200)) < 1
    },
    'the dragged arrow is detached for both',
  )
  const loose = arrowOf(moved)!
  // Moving the ellipse no longer pulls it back.
  await alice.drag(await alice.toScreen(centre), await alice.toScreen({ x: centre.x + 150, y: centre.y }), 4)
  await waitForConvergence(
    [alice, bob],
    (s) => s.find((x) => x.id === ellipse.id)!.x > ellipse.x + 100,
    'the ellipse moved',
  )
  expect(arrowOf(await bob.shapes())).toMatchObject({ x: loose.x, y: loose.y, points: loose.points })
})

test('a selected arrow has endpoint handles; dragging its end onto a shape attaches it there for both users', async ({
  openUser,
}, testInfo) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await draw(alice, 'rect', [800, 450], [950, 600])
  await draw(alice, 'arrow', [300, 525], [600, 525])
  const [target] = await waitForConvergence([alice, bob], (s) => s.length === 2 && !!arrowOf(s))
  const arrow = arrowOf(await alice.shapes())!
  expect(arrow.binding).toEqual({ start: null, end: null })

  // Selected (it was just drawn): a handle at each end, none in the middle.
  await alice.frame()
  const [ex, ey] = await alice.toScreen(endOf(arrow))
  const [mx, my] = await alice.toScreen({ x: arrow.x + arrow.points![2]! / 2, y: arrow.y })
  const handle = await overlayPixel(alice, ex + 4, ey)
  expect(handle[3], 'a handle is drawn at the end').toBeGreaterThan(0)
  expect((await overlayPixel(alice, mx, my - 5))[3], 'no handles stacked in the middle').toBe(0)
  await screenshot(alice, testInfo, 'arrow-endpoint-handles')

  // Drag the end handle onto the rectangle: it attaches there, for Bob too.
  const rectCentre = await alice.toScreen({ x: target!.x + target!.w / 2, y: target!.y + target!.h / 2 })
  const a = await alice.at(ex, ey)
  await alice.page.mouse.move(a.x, a.y)
  await alice.page.mouse.down()
  await alice.moveTo(...rectCentre, 4)
  await alice.frame()
  await screenshot(alice, testInfo, 'arrow-endpoint-drag')
  await alice.page.mouse.up()
  const attached = await waitForConvergence(
    [alice, bob],
    (s) => arrowOf(s)?.binding.end === target!.id,
    'the dragged end is attached to the rectangle',
  )
  const end = endOf(arrowOf(attached)!)
  expect(end.x).toBeCloseTo(target!.x - 6, 0)
  expect(end.y).toBeCloseTo(525, 0)
  expect(startOf(arrowOf(attached)!)).toEqual({ x: 300, y: 525 })
})

test('a corner resizes width and height freely; with shift it keeps the ratio (the other user sees it)', async ({
  openUser,
}, testInfo) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await draw(alice, 'rect', [800, 450], [950, 600])
  const [target] = await waitForConvergence([alice, bob], (s) => s.length === 1)

  // Free corner resize: wider and flatter (the rectangle is selected: it was just drawn).
  const corner = await alice.toScreen({ x: target!.x + target!.w, y: target!.y + target!.h })
  await alice.drag(corner, [corner[0] + 150, corner[1] + 30], 4)
  const wide = await waitForConvergence(
    [alice, bob],
    (s) => s.find((x) => x.id === target!.id)!.w > 250,
    'the rectangle was resized',
  )
  const r1 = wide.find((x) => x.id === target!.id)!
  expect(r1.w).toBeCloseTo(300, 0)
  expect(r1.h).toBeCloseTo(180, 0)
  await screenshot(alice, testInfo, 'free-corner-resize')

  // With shift the ratio stays 300 : 180.
  const corner2 = await alice.toScreen({ x: r1.x + r1.w, y: r1.y + r1.h })
  await alice.page.keyboard.down('Shift')
  await alice.drag(corner2, [corner2[0] + 20, corner2[1] + 80], 4)
  await alice.page.keyboard.up('Shift')
  const kept = await waitForConvergence(
    [alice, bob],
    (s) => s.find((x) => x.id === target!.id)!.h > 200,
    'the rectangle was resized with shift',
  )
  const r2 = kept.find((x) => x.id === target!.id)!
  expect(r2.w / r2.h).toBeCloseTo(300 / 180, 2)
})
