import fs from 'node:fs'
import {
  type BoardPage,
  expect,
  kinds,
  type ShapeJson,
  test,
  uniqueRoom,
  waitForConvergence,
} from './fixtures.ts'

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** The props an import must reproduce (everything but identity, paint order and versioned state). */
function geometry(s: ShapeJson) {
  return {
    kind: s.kind,
    x: s.x,
    y: s.y,
    w: s.w,
    h: s.h,
    rotation: s.rotation,
    stroke: s.stroke,
    fill: s.fill,
    strokeWidth: s.strokeWidth,
    opacity: s.opacity,
    points: s.points,
  }
}

type Positioned = Pick<ShapeJson, 'kind' | 'x' | 'y'>
const byPosition = (a: Positioned, b: Positioned) => a.x - b.x || a.y - b.y || a.kind.localeCompare(b.kind)

async function drawSample(user: BoardPage): Promise<void> {
  await user.tool('rect').click()
  await user.style('fill.#a5d8ff').click()
  await user.drag([300, 150], [460, 250])
  await user.draw('ellipse', [550, 150], [700, 260])
  await user.draw('arrow', [300, 350], [500, 450])
  await user.tool('pen').click()
  await user.dragPath([
    [600, 350],
    [650, 420],
    [720, 380],
  ])
  await user.tool('sticky').click()
  await user.click(950, 300)
  await user.typeText('Q3 <plan> & "goals"')
}

test('export PNG, SVG and JSON, and import the JSON into a fresh board', async ({ openUser }, testInfo) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await drawSample(alice)
  const shapes = await waitForConvergence(
    [alice, bob],
    (s) => s.length === 5 && s.some((x) => x.kind === 'sticky' && x.text === 'Q3 <plan> & "goals"'),
  )
  // Nothing selected: exports contain the whole board (Bob exports what Alice drew).
  await bob.press('Escape')

  // PNG: a real PNG, twice the size of the board's bounds plus padding.
  const png = await bob.exportFile('export.png')
  expect(png.suggestedFilename()).toMatch(/^easel-.*\.png$/)
  const pngBytes = fs.readFileSync((await png.path())!)
  expect([...pngBytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE)
  expect(pngBytes.length).toBeGreaterThan(5_000)
  const width = pngBytes.readUInt32BE(16)
  const height = pngBytes.readUInt32BE(20)
  // Bounds: x 300..1050, y 150..450 (sticky 850..1050 x 200..400), 32 px padding, scale 2.
  expect(width).toBe((750 + 64) * 2)
  expect(height).toBe((300 + 64) * 2)
  await testInfo.attach('export.png', { body: pngBytes, contentType: 'image/png' })

  // SVG: one group per shape, the shape kinds drawn with the right elements.
  const svgFile = await bob.exportFile('export.svg')
  expect(svgFile.suggestedFilename()).toMatch(/\.svg$/)
  const svg = fs.readFileSync((await svgFile.path())!, 'utf8')
  expect(svg).toContain('<svg')
  expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"')
  expect(svg.match(/<g transform=/g)).toHaveLength(5)
  expect(svg.match(/<rect width=/g)).toHaveLength(2) // the rectangle and the sticky note
  expect(svg.match(/<ellipse /g)).toHaveLength(1)
  expect(svg.match(/<line /g)).toHaveLength(1)
  expect(svg.match(/<polygon /g)).toHaveLength(2) // arrow head and pen stroke
  expect(svg).toContain('fill="#a5d8ff"')
  // The sticky's text, escaped, in lines wrapped inside the note.
  const lines = [...svg.matchAll(/<tspan [^>]*>([^<]*)<\/tspan>/g)].map((m) => m[1])
  expect(lines.join(' ')).toBe('Q3 &#60;plan&#62; &#38; &#34;goals&#34;')
  await testInfo.attach('export.svg', { body: svg, contentType: 'image/svg+xml' })

  // JSON: parses, lists every shape with its props.
  const jsonFile = await bob.exportFile('export.json')
  expect(jsonFile.suggestedFilename()).toMatch(/\.json$/)
  const jsonText = fs.readFileSync((await jsonFile.path())!, 'utf8')
  const board = JSON.parse(jsonText) as { type: string; schemaVersion: number; shapes: ShapeJson[] }
  expect(board.type).toBe('easel/board')
  expect(board.schemaVersion).toBeGreaterThanOrEqual(1)
  expect(board.shapes.map((s) => s.id).sort()).toEqual(shapes.map((s) => s.id).sort())
  expect(board.shapes.map(geometry).sort(byPosition)).toEqual(shapes.map(geometry).sort(byPosition))
  expect(board.shapes.find((s) => s.kind === 'sticky')!.text).toBe('Q3 <plan> & "goals"')

  // With a selection, exports contain only the selection.
  const rect = shapes.find((s) => s.kind === 'rect')!
  await bob.clickShape(rect)
  const selectedOnly = JSON.parse(
    fs.readFileSync((await (await bob.exportFile('export.json')).path())!, 'utf8'),
  )
  expect(selectedOnly.shapes.map((s: ShapeJson) => s.id)).toEqual([rect.id])

  // Import into a fresh board with two other users: same shapes, new ids, same place (the import
  // inserts at offset 0), seen by both.
  const freshRoom = uniqueRoom('import')
  const carol = await openUser('Carol', freshRoom)
  const dave = await openUser('Dave', freshRoom)
  expect(await carol.shapes()).toEqual([])
  await carol.importFile('board.json', jsonText)
  const imported = await waitForConvergence([carol, dave], (s) => s.length === 5)
  expect(imported.map(geometry).sort(byPosition)).toEqual(shapes.map(geometry).sort(byPosition))
  const oldIds = new Set(shapes.map((s) => s.id))
  expect(imported.some((s) => oldIds.has(s.id))).toBe(false)
  // Paint order is kept.
  expect(imported.map((s) => s.kind)).toEqual(shapes.map((s) => s.kind))
  // The importer's camera shows the imported shapes (at most at 100 %), and they are selected.
  const canvas = (await carol.page.getByTestId('canvas').boundingBox())!
  expect((await carol.camera()).z).toBeLessThanOrEqual(1)
  for (const s of imported) {
    const [x0, y0] = await carol.toScreen({ x: s.x, y: s.y })
    const [x1, y1] = await carol.toScreen({ x: s.x + s.w, y: s.y + s.h })
    expect(x0 >= 0 && y0 >= 0 && x1 <= canvas.width && y1 <= canvas.height, `${s.kind} in view`).toBe(true)
  }
  await dave.waitForPeer('Carol', (p) => p.selection.length === 5, 'the imported shapes are selected')
  // The original board is untouched.
  expect(await alice.shapes()).toEqual(shapes)
})

test('importing an invalid file shows an error and changes nothing', async ({ openUser }) => {
  const alice = await openUser('Alice')
  const bob = await openUser('Bob')
  await alice.draw('rect', [400, 200], [560, 300])
  const before = await waitForConvergence([alice, bob], (s) => s.length === 1)

  await alice.importFile('broken.json', '{"type": "easel/board", "shapes": [')
  const error = alice.page.getByTestId('error')
  await expect(error).toBeVisible()
  await expect(error).toContainText('not JSON')
  await error.getByRole('button', { name: 'Dismiss' }).click()
  await expect(error).toHaveCount(0)

  // Valid JSON, but not a board file: a shape of an unknown kind.
  await alice.importFile(
    'wrong.json',
    JSON.stringify({
      type: 'easel/board',
      schemaVersion: 1,
      shapes: [{ ...before[0], id: 'x1', kind: 'hexagon' }],
    }),
  )
  await expect(error).toBeVisible()
  await expect(error).toContainText('Not an Easel board file')
  // A file from a newer version is refused too.
  await error.getByRole('button', { name: 'Dismiss' }).click()
  await alice.importFile(
    'newer.json',
    JSON.stringify({ type: 'easel/board', schemaVersion: 999, shapes: [] }),
  )
  await expect(error).toContainText('newer')

  expect(await alice.shapes()).toEqual(before)
  // Barrier: an edit Alice makes now reaches Bob after anything the imports could have sent.
  await alice.draw('ellipse', [700, 200], [800, 300])
  const after = await waitForConvergence([alice, bob], (s) => s.length === 2)
  expect(kinds(after)).toEqual(['ellipse', 'rect'])
  expect(after.find((s) => s.id === before[0]!.id)).toEqual(before[0])
})
