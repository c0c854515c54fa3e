import fs from 'node:fs'
import { type BoardPage, expect, type ShapeJson, test, waitForConvergence } from './fixtures.ts'

/** The sticky note's padding and the line height of 20 px text (client/src/shapes). */
const PAD = 14
const LINE = 25

type Box = { x: number; y: number; w: number; h: number }

/** Dark (ink) pixels the user's canvas shows inside a board-space box. */
async function inkIn(u: BoardPage, box: Box): Promise<number> {
  const [x, y] = await u.toScreen(box)
  const { z } = await u.camera()
  return u.page.evaluate(
    ({ x, y, w, h }) => {
      const host = document.querySelector('[data-testid="canvas"]')!.getBoundingClientRect()
      let n = 0
      for (const canvas of document.querySelectorAll<HTMLCanvasElement>('[data-testid="canvas"] canvas')) {
        const r = canvas.getBoundingClientRect()
        const k = canvas.width / r.width
        const left = Math.round((x + host.left - r.left) * k)
        const top = Math.round((y + host.top - r.top) * k)
        const data = canvas
          .getContext('2d')!
          .getImageData(left, top, Math.max(1, Math.round(w * k)), Math.max(1, Math.round(h * k))).data
        for (let i = 0; i < data.length; i += 4)
          if (data[i + 3]! > 200 && data[i]! < 70 && data[i + 1]! < 70 && data[i + 2]! < 70) n++
      }
      return n
    },
    { x, y, w: box.w * z, h: box.h * z },
  )
}

/** The band of a text's last line (inside a note: above its bottom padding). */
const lastLine = (s: ShapeJson, pad = 0): Box => ({
  x: s.x + pad,
  y: s.y + s.h - pad - LINE,
  w: s.w - pad * 2,
  h: LINE,
})

const LONG =
  'This is a much longer text than the box it started in, and it goes on for a while so that it ' +
  'has to wrap over several lines instead of running off to the right of the board.'

test('a long text grows its box, wraps, and shows in full for the other user', async ({
  openUser,
}, testInfo) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.tool('text').click()
  await alice.click(300, 300)
  await expect(alice.textEditor).toBeFocused()
  await alice.page.keyboard.insertText(LONG.slice(0, -20))
  await alice.page.keyboard.type(LONG.slice(-20))
  // The editor grows with the text as the box will: wider than the old 240 px, wrapped, taller.
  const editorBox = (await alice.textEditor.boundingBox())!
  expect(editorBox.width).toBeGreaterThan(400)
  expect(editorBox.width).toBeLessThanOrEqual(484)
  expect(editorBox.height).toBeGreaterThanOrEqual(3 * LINE)
  const typing = await alice.page.screenshot({ clip: { x: 250, y: 250, width: 600, height: 260 } })
  await testInfo.attach('alice types: the editor grows', { body: typing, contentType: 'image/png' })
  fs.writeFileSync(testInfo.outputPath('long-text-editing.png'), typing)
  await alice.press('Escape')
  const [text] = await waitForConvergence(
    [alice, bob],
    (s) => s.length === 1 && s[0]!.text === LONG && s[0]!.h >= 3 * LINE,
    'both see the text sized to its lines',
  )
  // Auto width up to 24 ems (480 px at 20 px), then wrapped lines, then auto height.
  expect(text!.w).toBeGreaterThan(400)
  expect(text!.w).toBeLessThanOrEqual(480)
  expect(text!.h % LINE).toBe(0)
  await bob.frame()
  // Bob's canvas draws the first and the last line (nothing clipped to the old 240 × 40).
  expect(await inkIn(bob, { x: text!.x, y: text!.y, w: text!.w, h: LINE })).toBeGreaterThan(30)
  expect(await inkIn(bob, lastLine(text!))).toBeGreaterThan(30)
  // Nothing is drawn past the box.
  expect(await inkIn(bob, { x: text!.x + text!.w + 2, y: text!.y, w: 200, h: text!.h })).toBe(0)
  const shot = await bob.page.screenshot({ clip: { x: 250, y: 250, width: 600, height: 260 } })
  await testInfo.attach('bob sees the long text', { body: shot, contentType: 'image/png' })
  fs.writeFileSync(testInfo.outputPath('long-text.png'), shot)
})

test('a sticky note with 12 lines grows to show them all, for both users', async ({ openUser }, testInfo) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  const lines = Array.from({ length: 12 }, (_, i) => `Item ${i + 1}`)
  await alice.tool('sticky').click()
  await alice.click(640, 300)
  await expect(alice.textEditor).toBeFocused()
  // Pasted in one go (typing 80 keys is slow on a loaded machine), the last line typed.
  await alice.page.keyboard.insertText(`${lines.slice(0, 11).join('\n')}\n`)
  await alice.page.keyboard.type(lines[11]!)
  await alice.press('Escape')
  const [note] = await alice.waitForShapes((s) => s.length === 1 && s[0]!.text === lines.join('\n'))
  const [grown] = await waitForConvergence(
    [alice, bob],
    (s) => s.length === 1 && s[0]!.h === 12 * LINE + 2 * PAD,
    'the note is as tall as its 12 lines',
  )
  expect(grown!.id).toBe(note!.id)
  expect(grown!.w).toBe(200)
  await bob.frame()
  // The twelfth line is drawn (before, the text stopped with "…" after about 6 lines).
  expect(await inkIn(bob, lastLine(grown!, PAD))).toBeGreaterThan(30)
  const [sx, sy] = await bob.toScreen(grown!)
  const shot = await bob.page.screenshot({
    clip: { x: sx - 20, y: sy - 20, width: 240, height: grown!.h + 40 },
  })
  await testInfo.attach('bob sees the 12-line note', { body: shot, contentType: 'image/png' })
  fs.writeFileSync(testInfo.outputPath('sticky-12-lines.png'), shot)
})

test('SVG and PNG export wrap sticky text inside the note', async ({ openUser }, testInfo) => {
  const alice = await openUser('Alice')
  const text = 'Sticky text in exports wraps the same way as on the canvas, never running out of the note.'
  await alice.placeSticky([640, 300], text)
  const [note] = await alice.waitForShapes((s) => s.length === 1 && s[0]!.text === text)
  await alice.press('Escape')
  const svg = fs.readFileSync((await (await alice.exportFile('export.svg')).path())!, 'utf8')
  await testInfo.attach('export.svg', { body: svg, contentType: 'image/svg+xml' })
  const tspans = [...svg.matchAll(/<tspan [^>]*>([^<]*)<\/tspan>/g)].map((m) => m[1]!)
  expect(tspans.length).toBeGreaterThanOrEqual(4)
  expect(tspans.join(' ')).toBe(text)
  // Drawn by the browser, no line is wider than the note's inside.
  const widths = await alice.page.evaluate((doc) => {
    const host = document.createElement('div')
    host.innerHTML = doc.slice(doc.indexOf('<svg'))
    document.body.appendChild(host)
    const out = [...host.querySelectorAll('tspan')].map((t) => t.getComputedTextLength())
    host.remove()
    return out
  }, svg)
  expect(widths).toHaveLength(tspans.length)
  for (const w of widths) expect(w).toBeLessThanOrEqual(note!.w - 2 * PAD + 0.5)
  const png = fs.readFileSync((await (await alice.exportFile('export.png')).path())!)
  await testInfo.attach('export.png', { body: png, contentType: 'image/png' })
  fs.writeFileSync(testInfo.outputPath('export.png'), png)
})

test('Ctrl+Z after a text edit restores the old text for both users, not an older change', async ({
  openUser,
}) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  // An older, unrelated change: a rectangle's stroke colour.
  await alice.draw('rect', [300, 200], [420, 300])
  const [rect] = await alice.waitForShapes((s) => s.length === 1)
  await alice.clickShape(rect!)
  await alice.style('stroke.#e03131').click()
  await alice.press('Escape')
  const note = await alice.placeSticky([700, 300], 'Old text')
  await waitForConvergence([alice, bob], (s) => s.length === 2 && s.some((x) => x.stroke === '#e03131'))

  // Alice edits the note: one session, several saves.
  await alice.dblclick(700, 300)
  await expect(alice.textEditor).toBeFocused()
  await alice.page.keyboard.press('Control+A')
  await alice.page.keyboard.type('New', { delay: 50 })
  await alice.page.waitForTimeout(400)
  await alice.page.keyboard.type(' text', { delay: 50 })
  await alice.press('Escape')
  await waitForConvergence([alice, bob], (s) => s.some((x) => x.id === note.id && x.text === 'New text'))

  await alice.press('Control+z')
  const undone = await waitForConvergence(
    [alice, bob],
    (s) => s.some((x) => x.id === note.id && x.text === 'Old text'),
    'the text edit is undone for both',
  )
  expect(undone.find((s) => s.id === rect!.id)!.stroke).toBe('#e03131')
  expect(undone.find((s) => s.id === note.id)!.deleted).toBe(false)
  await expect.poll(() => alice.locks()).toEqual([])
  expect(await alice.notices()).toEqual([])

  await alice.press('Control+Shift+z')
  await waitForConvergence(
    [alice, bob],
    (s) => s.some((x) => x.id === note.id && x.text === 'New text'),
    'the text edit is redone for both',
  )

  // Bob changes the text; Alice's undo now tells her so and keeps his text.
  await bob.dblclick(700, 300)
  await expect(bob.textEditor).toBeFocused()
  await bob.page.keyboard.press('Control+A')
  await bob.page.keyboard.type('Bob was here')
  await bob.press('Escape')
  await waitForConvergence([alice, bob], (s) => s.some((x) => x.id === note.id && x.text === 'Bob was here'))
  // Bob's lease is released after his commit is answered, so Alice may see his text a moment
  // before she sees him stop editing; undo in that moment rightly says "Bob is editing".
  await expect
    .poll(() => alice.locks(), {
      message: "Alice sees Bob's lease released",
    })
    .toEqual([])
  await alice.press('Control+z')
  await expect
    .poll(() => alice.notices().then((ns) => ns.map((n) => n.text)))
    .toContainEqual(expect.stringContaining('Bob changed the text'))
  await expect(alice.page.getByText('Bob changed the text')).toBeVisible()
  const after = await waitForConvergence([alice, bob], (s) => s.some((x) => x.id === note.id))
  expect(after.find((s) => s.id === note.id)!.text).toBe('Bob was here')
  expect(after.find((s) => s.id === rect!.id)!.stroke).toBe('#e03131')
})
