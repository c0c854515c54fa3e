import { describe, expect, it } from 'vitest'
import { shapeBounds } from '../shapes/index.ts'
import { IMPORT_GAP, PASTE_STEP } from './clipboard.ts'
import { boxContains, unionBoxes } from './geometry.ts'
import { peer } from './testPeer.ts'

const order = (p: ReturnType<typeof peer>) => p.editor.getShapes().map((s) => s.id)

describe('paste', () => {
  it('lands centred on the last pointer position on the canvas', () => {
    const p = peer()
    const a = p.editor.createShape('rect', { x: 0, y: 0, w: 100, h: 60 })
    p.editor.select([a])
    const data = p.editor.copySelection()!
    p.editor.setCamera({ x: -50, y: 10, z: 2 })
    p.editor.pointerMove(p.editor.pointerInfo({ x: 600, y: 300 }))
    const [id] = p.editor.paste(data)
    // Screen (600, 300) at z 2, camera (-50, 10) is page (350, 140).
    expect(p.editor.getShape(id!)).toMatchObject({ x: 300, y: 110, w: 100, h: 60 })
    expect([...p.editor.selectedIds]).toEqual([id])
  })

  it('lands in the centre of the view when the pointer was never on the canvas', () => {
    const p = peer()
    const a = p.editor.createShape('rect', { x: 0, y: 0, w: 100, h: 60 })
    p.editor.select([a])
    const [id] = p.editor.paste(p.editor.copySelection()!)
    // Viewport 1000 × 800 at the origin, 100 %.
    expect(p.editor.getShape(id!)).toMatchObject({ x: 450, y: 370 })
  })

  it('repeated pastes of the same clipboard at the same spot are offset, a new spot or clipboard is not', () => {
    const p = peer()
    const a = p.editor.createShape('rect', { x: 0, y: 0, w: 100, h: 60 })
    const b = p.editor.createShape('ellipse', { x: 0, y: 0, w: 40, h: 40 })
    p.editor.select([a])
    const data = p.editor.copySelection()!
    p.editor.pointerMove(p.editor.pointerInfo({ x: 500, y: 400 }))
    const pos = () => p.editor.getSelectedShapes().map((s) => [s.x, s.y])
    p.editor.paste(data)
    expect(pos()).toEqual([[450, 370]])
    p.editor.paste(data)
    expect(pos()).toEqual([[450 + PASTE_STEP, 370 + PASTE_STEP]])
    p.editor.paste(data)
    expect(pos()).toEqual([[450 + 2 * PASTE_STEP, 370 + 2 * PASTE_STEP]])
    p.editor.pointerMove(p.editor.pointerInfo({ x: 200, y: 200 }))
    p.editor.paste(data)
    expect(pos()).toEqual([[150, 170]])
    p.editor.select([b])
    p.editor.paste(p.editor.copySelection()!)
    expect(pos()).toEqual([[180, 180]])
    expect(p.editor.getShapes()).toHaveLength(7)
  })
})

describe('import', () => {
  it('places the shapes right of what is on the board, selects them and shows them', () => {
    const p = peer()
    p.editor.createShape('rect', { x: 100, y: 50, w: 200, h: 100 })
    p.editor.createShape('rect', { x: -400, y: 300, w: 100, h: 100 })
    // A file whose shapes sit exactly where the board's are.
    p.editor.selectAll()
    const file = p.editor.copySelection()!.shapes
    p.editor.select([])
    const ids = p.editor.importShapes(file)
    expect(ids).toHaveLength(2)
    expect([...p.editor.selectedIds].sort()).toEqual([...ids].sort())
    const added = unionBoxes(p.editor.getSelectedShapes().map(shapeBounds))!
    // Board bounds: x -400..300, y 50..400; the copies start a gap right of them, level with the top.
    expect(added.x).toBeCloseTo(300 + IMPORT_GAP)
    expect(added.y).toBeCloseTo(50)
    expect(added.w).toBeCloseTo(700)
    // Shapes keep their layout relative to each other.
    const [r1, r2] = p.editor.getSelectedShapes().sort((s, t) => s.w - t.w)
    expect(r2!.x - r1!.x).toBeCloseTo(500)
    // The camera shows them (zoomed out only as far as needed, never in past 100 %).
    const c = p.editor.camera
    const view = { x: -c.x, y: -c.y, w: 1000 / c.z, h: 800 / c.z }
    expect(boxContains(view, added)).toBe(true)
    expect(c.z).toBeLessThanOrEqual(1)
  })

  it('into an empty board keeps the positions of the file', () => {
    const p = peer()
    const [id] = p.editor.importShapes([
      { ...{ kind: 'rect', x: 30, y: 40, w: 50, h: 50, rotation: 0, z: 'a0' }, id: 'x', ...style },
    ])
    expect(p.editor.getShape(id!)).toMatchObject({ x: 30, y: 40 })
    expect(p.editor.camera.z).toBe(1)
  })
})

const style = { stroke: '#1e1e1e', fill: 'transparent', strokeWidth: 2, opacity: 1 }

describe('z-order one step', () => {
  /** a (bottom) and c overlap; b, between them in paint order, overlaps neither; d on top overlaps nothing. */
  function stack() {
    const p = peer()
    const a = p.editor.createShape('rect', { x: 0, y: 0, w: 100, h: 100 })
    const b = p.editor.createShape('rect', { x: 500, y: 0, w: 100, h: 100 })
    const c = p.editor.createShape('rect', { x: 50, y: 50, w: 100, h: 100 })
    const d = p.editor.createShape('rect', { x: 0, y: 500, w: 100, h: 100 })
    expect(order(p)).toEqual([a, b, c, d])
    return { p, a, b, c, d }
  }

  it('bring forward goes just past the next overlapping shape, not past the non-overlapping one above', () => {
    const { p, a, b, c, d } = stack()
    p.editor.select([a])
    p.editor.bringForward()
    expect(order(p)).toEqual([b, c, a, d])
    // Nothing above overlaps it any more: another step changes nothing.
    p.editor.bringForward()
    expect(order(p)).toEqual([b, c, a, d])
  })

  it('send backward goes just below the next overlapping shape', () => {
    const { p, a, b, c, d } = stack()
    p.editor.select([c])
    p.editor.sendBackward()
    expect(order(p)).toEqual([c, a, b, d])
    p.editor.select([d])
    p.editor.sendBackward()
    expect(order(p)).toEqual([c, a, b, d])
  })

  it('moves a multi-selection keeping its own order', () => {
    const p = peer()
    const a = p.editor.createShape('rect', { x: 0, y: 0, w: 100, h: 100 })
    const b = p.editor.createShape('rect', { x: 10, y: 10, w: 100, h: 100 })
    const c = p.editor.createShape('rect', { x: 20, y: 20, w: 100, h: 100 })
    p.editor.select([a, b])
    p.editor.bringForward()
    expect(order(p)).toEqual([c, a, b])
  })

  it('odd z keys from another client do not throw', () => {
    const { p, a, c } = stack()
    p.editor.updateShapes([{ id: c, props: { z: 'not a key' } }])
    p.editor.select([a])
    expect(() => p.editor.bringForward()).not.toThrow()
  })
})
