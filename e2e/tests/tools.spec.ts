import fs from 'node:fs'
import path from 'node:path'
import { type BoardPage, expect, kinds, near, type ShapeJson, test, waitForConvergence } from './fixtures.ts'

const ALL_KINDS = ['arrow', 'ellipse', 'line', 'pen', 'rect', 'sticky', 'text']

function byKind(shapes: ShapeJson[], kind: string): ShapeJson {
  const found = shapes.filter((s) => s.kind === kind)
  expect(found, `exactly one ${kind}`).toHaveLength(1)
  return found[0]!
}

/** Number of non-transparent pixels of the shape layer inside a canvas-space box. */
function paintedPixels(
  user: BoardPage,
  box: { x: number; y: number; w: number; h: number },
): Promise<number> {
  return user.page.evaluate((b) => {
    const canvas = document.querySelector('[data-testid="canvas"] canvas') as HTMLCanvasElement
    const ratio = canvas.width / canvas.getBoundingClientRect().width
    const data = canvas
      .getContext('2d')!
      .getImageData(
        Math.floor(b.x * ratio),
        Math.floor(b.y * ratio),
        Math.ceil((b.w + 1) * ratio),
        Math.ceil((b.h + 1) * ratio),
      ).data
    let n = 0
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++
    return n
  }, box)
}

/** Draws one shape of every kind, with the toolbar and real pointer input, right of the style panel. */
async function drawOneOfEach(user: BoardPage): Promise<void> {
  await user.draw('rect', [300, 120], [460, 220])
  await user.draw('ellipse', [540, 120], [700, 220])
  await user.draw('line', [780, 120], [930, 220])
  await user.draw('arrow', [1000, 220], [1150, 120])
  await user.tool('pen').click()
  await user.dragPath([
    [300, 330],
    [340, 380],
    [380, 340],
    [420, 400],
    [460, 360],
  ])
  await user.tool('text').click()
  await user.click(540, 360)
  await user.typeText('Hello Easel')
  await user.tool('sticky').click()
  await user.click(1000, 440)
  await user.typeText('Ship it')
}

test('every tool creates its shape and the other user sees it', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await drawOneOfEach(alice)

  const shapes = await bob.waitForShapes(
    (s) =>
      s.length === 7 &&
      // The text box grows to its text once the text is committed.
      s.some((x) => x.kind === 'text' && x.text === 'Hello Easel' && x.w > 40) &&
      s.some((x) => x.kind === 'sticky' && x.text === 'Ship it'),
    'bob sees seven shapes and the texts',
  )
  expect(kinds(shapes)).toEqual(ALL_KINDS)

  const rect = byKind(shapes, 'rect')
  expect([rect.x, rect.y, rect.w, rect.h]).toEqual([300, 120, 160, 100])
  const ellipse = byKind(shapes, 'ellipse')
  expect([ellipse.x, ellipse.y, ellipse.w, ellipse.h]).toEqual([540, 120, 160, 100])

  const line = byKind(shapes, 'line')
  expect([line.x, line.y]).toEqual([780, 120])
  expect(line.points).toEqual([0, 0, 150, 100])
  const arrow = byKind(shapes, 'arrow')
  expect([arrow.x, arrow.y]).toEqual([1000, 220])
  expect(arrow.points).toEqual([0, 0, 150, -100])

  const pen = byKind(shapes, 'pen')
  expect([pen.x, pen.y]).toEqual([300, 330])
  const pts = pen.points!
  expect(pts.length % 3).toBe(0)
  expect(pts.length / 3).toBeGreaterThanOrEqual(10)
  expect(pts.slice(0, 2)).toEqual([0, 0])
  expect(pts.slice(-3, -1)).toEqual([160, 30])
  // The stroke passes through the corners of the path.
  const passesThrough = (x: number, y: number) =>
    pts.some((_, i) => i % 3 === 0 && near(pts[i]!, x, 0.5) && near(pts[i + 1]!, y, 0.5))
  expect(passesThrough(40, 50)).toBe(true)
  expect(passesThrough(120, 70)).toBe(true)

  const text = byKind(shapes, 'text')
  // Placed with its first line on the click, as wide as its text, one line high.
  expect([text.x, text.y, text.h, text.text]).toEqual([540, 347.5, 25, 'Hello Easel'])
  expect(text.w).toBeGreaterThan(80)
  expect(text.w).toBeLessThan(160)
  const sticky = byKind(shapes, 'sticky')
  expect([sticky.x, sticky.y, sticky.w, sticky.h, sticky.text]).toEqual([900, 340, 200, 200, 'Ship it'])

  // Every tool returned to select after drawing, and both users end up with identical boards.
  await expect(alice.tool('select')).toHaveAttribute('aria-pressed', 'true')
  await waitForConvergence([alice, bob], (s) => s.length === 7)
})

test('the hand tool pans the camera without creating or moving shapes', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [600, 300], [760, 400])
  // Shapes grow while they are drawn: wait for the final size.
  const [rect] = await bob.waitForShapes((s) => s.length === 1 && s[0]!.w === 160 && s[0]!.h === 100)
  await alice.press('Escape')

  await alice.tool('hand').click()
  // Start the pan on top of the rectangle: it must not be dragged.
  await alice.drag([680, 350], [530, 430])
  expect(await alice.camera()).toEqual({ x: -150, y: 80, z: 1 })
  expect(await bob.camera()).toEqual({ x: 0, y: 0, z: 1 })
  expect(await alice.shapes()).toEqual([rect])

  // The rectangle is now drawn (and hit) 150 px left and 80 px lower on Alice's screen.
  await alice.tool('select').click()
  await alice.click(680 - 150, 350 + 80)
  await bob.waitForPeer('Alice', (p) => p.selection.includes(rect!.id), 'bob sees alice select the rect')
  await waitForConvergence([alice, bob], (s) => s.length === 1 && s[0]!.x === 600 && s[0]!.y === 300)
})

test('the selection handles resize and rotate it; space-drag pans with any tool', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [300, 120], [460, 220])
  await bob.waitForShapes((s) => s.length === 1 && s[0]!.w === 160, 'bob sees the rect')

  // The new rect is selected: its bottom-right corner scales it, keeping the ratio.
  await alice.drag([460, 220], [540, 270])
  await waitForConvergence(
    [alice, bob],
    (s) => s.length === 1 && near(s[0]!.x, 300) && near(s[0]!.w, 240) && near(s[0]!.h, 150),
  )
  // The right edge's handle changes the width alone.
  await alice.drag([540, 195], [600, 195])
  await waitForConvergence([alice, bob], (s) => near(s[0]!.w, 300) && near(s[0]!.h, 150))
  // The rotate handle, 50 px above the top edge, turns it around its centre (450, 195) and snaps.
  await alice.drag([450, 70], [602, 193])
  const [turned] = await waitForConvergence([alice, bob], (s) => s[0]!.rotation === 90)
  expect(near(turned!.x, 525) && near(turned!.y, 45)).toBe(true)

  await alice.tool('rect').click()
  await alice.page.keyboard.down('Space')
  await alice.drag([800, 400], [700, 450])
  await alice.page.keyboard.up('Space')
  expect(await alice.camera()).toEqual({ x: -100, y: 50, z: 1 })
  expect(await alice.shapes()).toHaveLength(1)
  await expect(alice.tool('rect')).toHaveAttribute('aria-pressed', 'true')
})

test('select and Delete removes a shape for both users', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [350, 150], [500, 250])
  await alice.draw('ellipse', [650, 150], [800, 250])
  const shapes = await bob.waitForShapes(
    (s) => s.length === 2 && s.every((x) => x.w === 150 && x.h === 100),
    'bob sees both shapes',
  )
  const rect = byKind(shapes, 'rect')
  const ellipse = byKind(shapes, 'ellipse')

  await bob.clickShape(rect)
  await alice.waitForPeer('Bob', (p) => p.selection.join() === rect.id, 'alice sees bob select the rect')
  await bob.press('Delete')
  const left = await waitForConvergence([alice, bob], (s) => s.length === 1)
  expect(left[0]!.id).toBe(ellipse.id)

  // Backspace works as well, on what the other user selected this time.
  await alice.clickShape(ellipse)
  await alice.press('Backspace')
  await waitForConvergence([alice, bob], (s) => s.length === 0)
})

test('style panel changes apply to the selected shape for both users', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [500, 300], [700, 420])
  await alice.draw('ellipse', [800, 300], [950, 420])
  const shapes = await bob.waitForShapes((s) => s.length === 2 && s.every((x) => x.h === 120))
  const rect = byKind(shapes, 'rect')
  const ellipse = byKind(shapes, 'ellipse')
  expect(rect.stroke).toBe('#1e1e1e')
  expect(rect.fill).toBe('transparent')

  // Bob selects Alice's rectangle and restyles it.
  await bob.clickShape(rect)
  await expect(bob.page.getByTestId('style-panel')).toBeVisible()
  await bob.style('stroke.#e03131').click()
  await bob.style('fill.#a5d8ff').click()
  await bob.style('width.8').click()
  await expect(bob.style('fill.#a5d8ff')).toHaveClass(/active/)

  const after = await waitForConvergence(
    [alice, bob],
    (s) => s.find((x) => x.id === rect.id)?.strokeWidth === 8,
    'both see the restyled rectangle',
  )
  const r = after.find((s) => s.id === rect.id)!
  expect([r.stroke, r.fill, r.strokeWidth]).toEqual(['#e03131', '#a5d8ff', 8])
  // Only the selected shape changed.
  const e = after.find((s) => s.id === ellipse.id)!
  expect([e.stroke, e.fill, e.strokeWidth]).toEqual([ellipse.stroke, ellipse.fill, ellipse.strokeWidth])

  // The panel shows the selection's style to the other user too.
  await alice.clickShape(r)
  await expect(alice.style('stroke.#e03131')).toHaveClass(/active/)
  await expect(alice.style('fill.#a5d8ff')).toHaveClass(/active/)
})

test('keyboard shortcuts: R to draw, Ctrl+D, Ctrl+A and arrow-key nudge', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')

  await alice.press('r')
  await expect(alice.tool('rect')).toHaveAttribute('aria-pressed', 'true')
  await alice.drag([500, 300], [620, 380])
  const [rect] = await bob.waitForShapes((s) => s.length === 1 && s[0]!.kind === 'rect' && s[0]!.w === 120)
  expect([rect!.x, rect!.y, rect!.w, rect!.h]).toEqual([500, 300, 120, 80])

  // Ctrl+D duplicates the selected shape 16 px down-right and selects the copy.
  await alice.press('Control+d')
  const two = await bob.waitForShapes((s) => s.length === 2, 'bob sees the duplicate')
  const copy = two.find((s) => s.id !== rect!.id)!
  expect([copy.kind, copy.x, copy.y, copy.w, copy.h]).toEqual(['rect', 516, 316, 120, 80])
  await bob.waitForPeer('Alice', (p) => p.selection.join() === copy.id, 'the copy is selected')

  // Ctrl+A selects both; arrow keys nudge the whole selection (Shift: 10 px).
  await alice.press('Control+a')
  await bob.waitForPeer('Alice', (p) => p.selection.length === 2, 'alice selected all')
  await alice.press('ArrowRight')
  await alice.press('ArrowRight')
  await alice.press('ArrowRight')
  await alice.press('Shift+ArrowDown')
  await alice.press('ArrowLeft')
  const moved = await waitForConvergence(
    [alice, bob],
    (s) => s.length === 2 && s.every((x) => x.y === (x.id === rect!.id ? 310 : 326)),
  )
  expect(moved.find((s) => s.id === rect!.id)!.x).toBe(502)
  expect(moved.find((s) => s.id === copy.id)!.x).toBe(518)

  // Other tool keys switch tools; Escape returns to select.
  await alice.press('o')
  await expect(alice.tool('ellipse')).toHaveAttribute('aria-pressed', 'true')
  await alice.press('Escape')
  await expect(alice.tool('select')).toHaveAttribute('aria-pressed', 'true')
  await bob.waitForPeer('Alice', (p) => p.selection.length === 0, 'escape cleared the selection')
})

test('screenshot: every shape type renders for the other user', async ({ openUser }, testInfo) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  // Some colour, chosen in the style panel before drawing (it styles new shapes).
  await alice.tool('rect').click()
  await alice.style('stroke.#e03131').click()
  await alice.style('fill.#ffc9c9').click()
  await alice.drag([300, 120], [460, 220])
  await alice.tool('ellipse').click()
  await alice.style('stroke.#2f9e44').click()
  await alice.style('fill.#b2f2bb').click()
  await alice.drag([540, 120], [700, 220])
  await alice.tool('line').click()
  await alice.style('stroke.#1971c2').click()
  await alice.style('width.4').click()
  await alice.drag([780, 120], [930, 220])
  await alice.tool('arrow').click()
  await alice.style('stroke.#f08c00').click()
  await alice.drag([1000, 220], [1150, 120])
  await alice.tool('pen').click()
  await alice.style('stroke.#9c36b5').click()
  await alice.dragPath([
    [300, 330],
    [340, 380],
    [380, 340],
    [420, 400],
    [460, 360],
  ])
  await alice.tool('text').click()
  await alice.click(540, 360)
  await alice.typeText('Hello Easel')
  await alice.tool('sticky').click()
  await alice.click(1000, 440)
  await alice.typeText('Plan: ship the board')
  await alice.press('Escape')
  await alice.moveTo(1200, 700)

  const shapes = await bob.waitForShapes(
    (s) => s.length === 7 && s.some((x) => x.kind === 'sticky' && x.text === 'Plan: ship the board'),
    'bob sees seven shapes and the texts',
  )
  expect(kinds(shapes)).toEqual(ALL_KINDS)
  expect(byKind(shapes, 'text').text).toBe('Hello Easel')
  // Styles picked while a drawing tool is active go to the next shape, not the one drawn before.
  const styleOf = (kind: string) => {
    const s = byKind(shapes, kind)
    return [s.stroke, s.fill, s.strokeWidth]
  }
  expect(styleOf('rect')).toEqual(['#e03131', '#ffc9c9', 2])
  expect(styleOf('ellipse')).toEqual(['#2f9e44', '#b2f2bb', 2])
  expect(styleOf('line')).toEqual(['#1971c2', '#b2f2bb', 4])
  expect(styleOf('arrow')).toEqual(['#f08c00', '#b2f2bb', 4])
  expect(styleOf('pen')).toEqual(['#9c36b5', '#b2f2bb', 4])
  await bob.frame()

  // Each shape paints pixels inside its bounds on Bob's shape layer.
  for (const s of shapes) {
    const pts = s.points ?? []
    const xs = s.kind === 'pen' ? pts.filter((_, i) => i % 3 === 0) : pts.filter((_, i) => i % 2 === 0)
    const ys = s.kind === 'pen' ? pts.filter((_, i) => i % 3 === 1) : pts.filter((_, i) => i % 2 === 1)
    const box = xs.length
      ? {
          x: s.x + Math.min(...xs),
          y: s.y + Math.min(...ys),
          w: Math.max(...xs) - Math.min(...xs),
          h: Math.max(...ys) - Math.min(...ys),
        }
      : { x: s.x, y: s.y, w: s.w, h: s.h }
    const painted = await paintedPixels(bob, box)
    expect(painted, `${s.kind} is painted`).toBeGreaterThan(100)
  }
  // The pen's ink reaches the point where the pointer was released.
  const pen = byKind(shapes, 'pen')
  const end = { x: pen.x + pen.points!.at(-3)!, y: pen.y + pen.points!.at(-2)! }
  expect(await paintedPixels(bob, { x: end.x - 1, y: end.y - 1, w: 2, h: 2 })).toBeGreaterThan(0)

  const file = testInfo.outputPath('board-all-shapes.png')
  await bob.page.screenshot({ path: file, fullPage: true })
  await testInfo.attach('board-all-shapes', { path: file, contentType: 'image/png' })
  // Kept outside test-results/ (which Playwright empties at the start of a run); not committed.
  const artifacts = path.resolve(import.meta.dirname, '../artifacts')
  fs.mkdirSync(artifacts, { recursive: true })
  fs.copyFileSync(file, path.join(artifacts, 'board-all-shapes.png'))
})

test('the diamond tool draws a rhombus the other user sees, hits and exports as a polygon', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.tool('diamond').click()
  await expect(alice.tool('diamond')).toHaveAttribute('aria-pressed', 'true')
  await alice.style('fill.#a5d8ff').click()
  await alice.drag([500, 200], [700, 320])
  const [diamond] = await bob.waitForShapes(
    (s) => s.length === 1 && s[0]!.kind === 'diamond' && s[0]!.w === 200 && s[0]!.h === 120,
    'bob sees the diamond at its final size',
  )
  expect([diamond!.x, diamond!.y, diamond!.fill]).toEqual([500, 200, '#a5d8ff'])
  await expect(alice.tool('select')).toHaveAttribute('aria-pressed', 'true')

  // Bob's canvas paints the rhombus, not the corners of its box.
  await bob.frame()
  expect(await paintedPixels(bob, { x: 590, y: 250, w: 20, h: 20 })).toBeGreaterThan(100)
  for (const [x, y] of [
    [502, 202],
    [688, 202],
    [502, 308],
    [688, 308],
  ] as const)
    expect(await paintedPixels(bob, { x, y, w: 10, h: 10 }), `corner ${x},${y}`).toBe(0)

  // A click in the middle selects it; one in a corner of its box misses it, so it deselects.
  await bob.click(600, 260)
  await alice.waitForPeer('Bob', (p) => p.selection.join() === diamond!.id, 'bob selected the diamond')
  await bob.click(510, 210)
  await alice.waitForPeer('Bob', (p) => p.selection.length === 0, 'the box corner is not the diamond')

  // The SVG export draws it as a polygon through the midpoints of its box's sides.
  const svg = fs.readFileSync((await (await bob.exportFile('export.svg')).path())!, 'utf8')
  expect(svg).toContain(
    '<g transform="translate(500 200) rotate(0)" opacity="1"><polygon points="100,0 200,60 100,120 0,60"',
  )
  expect(svg).toContain('fill="#a5d8ff"')

  // D picks the tool from the keyboard.
  await bob.press('d')
  await expect(bob.tool('diamond')).toHaveAttribute('aria-pressed', 'true')
})
