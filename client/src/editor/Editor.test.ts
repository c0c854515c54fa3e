import { describe, expect, it } from 'vitest'
import type { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { shapesMap } from '@easel/shared'
import { click, drag, flush, link, peer } from './testPeer.ts'

describe('shape tools', () => {
  it('rectangle tool: drag creates the dragged box, selects it and returns to select', () => {
    const p = peer()
    p.editor.setTool('rect')
    drag(p, [100, 100], [300, 250])
    const [s] = p.editor.getShapes()
    expect(s).toMatchObject({ kind: 'rect', x: 100, y: 100, w: 200, h: 150 })
    expect([...p.editor.selectedIds]).toEqual([s!.id])
    expect(p.editor.currentToolId).toBe('select')
    expect(p.editor.tools.rect.state).toBe('idle')
  })

  it('rectangle tool: dragging up-left normalises the box; shift makes a square', () => {
    const p = peer()
    p.editor.setTool('ellipse')
    drag(p, [300, 300], [100, 200])
    expect(p.editor.getShapes()[0]).toMatchObject({ kind: 'ellipse', x: 100, y: 200, w: 200, h: 100 })
    p.editor.setTool('rect')
    drag(p, [500, 500], [600, 540], { shift: true })
    expect(p.editor.getShapes()[1]).toMatchObject({ w: 100, h: 100 })
  })

  it('a click with a box tool creates a default-size shape centred on the click', () => {
    const p = peer()
    p.editor.setTool('rect')
    click(p, 400, 300)
    const [s] = p.editor.getShapes()
    expect(s!.x + s!.w / 2).toBe(400)
    expect(s!.y + s!.h / 2).toBe(300)
  })

  it('line and arrow tools store both ends; a click without a drag creates nothing', () => {
    const p = peer()
    p.editor.setTool('arrow')
    click(p, 10, 10)
    expect(p.editor.getShapes()).toHaveLength(0)
    drag(p, [100, 100], [250, 180])
    expect(p.editor.getShapes()[0]).toMatchObject({ kind: 'arrow', x: 100, y: 100, points: [0, 0, 150, 80] })
  })

  it('pen tool records relative points with pressure and skips sub-pixel moves', () => {
    const p = peer()
    p.editor.setTool('pen')
    const { editor } = p
    editor.pointerDown(editor.pointerInfo({ x: 50, y: 50 }))
    editor.pointerMove(editor.pointerInfo({ x: 50.2, y: 50.2 }))
    editor.pointerMove(editor.pointerInfo({ x: 60, y: 55 }))
    editor.pointerUp(editor.pointerInfo({ x: 70, y: 70 }))
    const [s] = editor.getShapes()
    expect(s).toMatchObject({ kind: 'pen', x: 50, y: 50 })
    expect(s!.points).toEqual([0, 0, 0.5, 10, 5, 0.5, 20, 20, 0.5])
  })

  it('text and sticky tools place a shape with a click', () => {
    const p = peer()
    p.editor.setTool('sticky')
    click(p, 300, 300)
    p.editor.setTool('text')
    click(p, 600, 300)
    expect(p.editor.getShapes().map((s) => s.kind)).toEqual(['sticky', 'text'])
  })

  it('a locked tool keeps creating; escape-cancel of a drawing removes the half-drawn shape', () => {
    const p = peer()
    p.editor.setToolLocked(true)
    p.editor.setTool('rect')
    drag(p, [0, 0], [50, 50])
    expect(p.editor.currentToolId).toBe('rect')
    p.editor.pointerDown(p.editor.pointerInfo({ x: 100, y: 100 }))
    p.editor.pointerMove(p.editor.pointerInfo({ x: 200, y: 200 }))
    expect(p.editor.getShapes()).toHaveLength(2)
    p.editor.cancel()
    expect(p.editor.getShapes()).toHaveLength(1)
  })
})

describe('select tool', () => {
  function board() {
    const p = peer()
    p.editor.setToolLocked(true)
    p.editor.setTool('rect')
    drag(p, [100, 100], [200, 200]) // a
    drag(p, [300, 100], [400, 200]) // b
    drag(p, [100, 400], [200, 500]) // c
    p.editor.setToolLocked(false)
    p.editor.setTool('select')
    const [a, b, c] = p.editor.getShapes().map((s) => s.id)
    return { p, a: a!, b: b!, c: c! }
  }

  it('click selects, shift-click toggles, click on empty canvas clears', () => {
    const { p, a, b } = board()
    click(p, 150, 150)
    expect([...p.editor.selectedIds]).toEqual([a])
    click(p, 350, 150, true)
    expect(new Set(p.editor.selectedIds)).toEqual(new Set([a, b]))
    click(p, 350, 150, true)
    expect([...p.editor.selectedIds]).toEqual([a])
    click(p, 800, 700)
    expect(p.editor.selectedIds.size).toBe(0)
  })

  it('marquee selects what it touches; shift-marquee adds', () => {
    const { p, a, b, c } = board()
    drag(p, [50, 50], [450, 250])
    expect(p.editor.tools.select.state).toBe('idle')
    expect(new Set(p.editor.selectedIds)).toEqual(new Set([a, b]))
    drag(p, [50, 380], [250, 600], { shift: true })
    expect(new Set(p.editor.selectedIds)).toEqual(new Set([a, b, c]))
  })

  it('dragging moves the whole selection, writing at most once per frame, as one undo step', () => {
    const { p, a, b } = board()
    p.editor.select([a, b])
    let updates = 0
    p.doc.on('update', () => updates++)
    const { editor } = p
    editor.pointerDown(editor.pointerInfo({ x: 150, y: 150 }))
    for (let i = 1; i <= 10; i++) editor.pointerMove(editor.pointerInfo({ x: 150 + i * 5, y: 150 + i * 2 }))
    expect(updates).toBe(0) // nothing written until a frame
    expect(editor.getShape(a)).toMatchObject({ x: 150, y: 120 }) // but shown locally at once
    flush(p)
    expect(updates).toBe(1)
    editor.pointerMove(editor.pointerInfo({ x: 210, y: 170 }))
    editor.pointerUp(editor.pointerInfo({ x: 210, y: 170 }))
    expect(editor.getShape(a)).toMatchObject({ x: 160, y: 120 })
    expect(editor.getShape(b)).toMatchObject({ x: 360, y: 120 })
    editor.undo()
    expect(editor.getShape(a)).toMatchObject({ x: 100, y: 100 })
    expect(editor.getShape(b)).toMatchObject({ x: 300, y: 100 })
  })

  it('nudges, duplicates, deletes, and reorders the selection', () => {
    const { p, a, b } = board()
    p.editor.select([a])
    p.editor.nudgeSelected(10, -1)
    expect(p.editor.getShape(a)).toMatchObject({ x: 110, y: 99 })
    p.editor.duplicateSelected()
    expect(p.editor.getShapes()).toHaveLength(4)
    const copy = [...p.editor.selectedIds][0]!
    expect(copy).not.toBe(a)
    expect(p.editor.getShape(copy)).toMatchObject({ x: 126, y: 115 })
    p.editor.select([a])
    p.editor.bringToFront()
    expect(p.editor.getShapes().at(-1)!.id).toBe(a)
    p.editor.select([b])
    p.editor.sendToBack()
    expect(p.editor.getShapes()[0]!.id).toBe(b)
    p.editor.deleteSelected()
    expect(p.editor.getShape(b)).toBeUndefined()
  })

  it('copy and paste into another board creates new shapes there', () => {
    const { p, a } = board()
    p.editor.select([a])
    const data = p.editor.copySelection()!
    const other = peer('Bo')
    const ids = other.editor.paste(JSON.parse(JSON.stringify(data)), { x: 500, y: 500 })
    expect(ids).toHaveLength(1)
    expect(other.editor.getShape(ids[0]!)).toMatchObject({ kind: 'rect', x: 450, y: 450, w: 100, h: 100 })
  })
})

describe('multiplayer behaviour', () => {
  it("undo reverts only this user's change, never another user's on the same shape", () => {
    const A = peer('A')
    const B = peer('B')
    link(A.doc, B.doc)
    A.editor.setTool('rect')
    drag(A, [100, 100], [200, 200])
    const id = A.editor.getShapes()[0]!.id
    A.editor.undoManager.stopCapturing()
    A.editor.updateShapes([{ id, props: { x: 500 } }])
    B.editor.updateShapes([{ id, props: { fill: '#a5d8ff' } }])
    A.editor.undo()
    for (const p of [A, B]) expect(p.editor.getShape(id)).toMatchObject({ x: 100, fill: '#a5d8ff' })
    // B's undo removes B's fill, leaves A's state alone.
    B.editor.undo()
    for (const p of [A, B]) expect(p.editor.getShape(id)).toMatchObject({ x: 100, fill: 'transparent' })
  })

  it('a remote move during a local drag never makes the dragged shape jump; both converge after', () => {
    const A = peer('A')
    const B = peer('B')
    link(A.doc, B.doc)
    A.editor.setTool('rect')
    drag(A, [100, 100], [200, 200])
    const id = A.editor.getShapes()[0]!.id
    A.editor.select([])
    // A starts dragging.
    A.editor.pointerDown(A.editor.pointerInfo({ x: 150, y: 150 }))
    A.editor.pointerMove(A.editor.pointerInfo({ x: 170, y: 150 }))
    flush(A)
    // B moves the same shape somewhere else meanwhile.
    B.editor.updateShapes([{ id, props: { x: 900, y: 900 } }])
    expect(A.editor.getShape(id)).toMatchObject({ x: 120, y: 100 })
    A.editor.pointerMove(A.editor.pointerInfo({ x: 190, y: 160 }))
    expect(A.editor.getShape(id)).toMatchObject({ x: 140, y: 110 })
    A.editor.pointerUp(A.editor.pointerInfo({ x: 190, y: 160 }))
    expect(A.editor.getShape(id)).toEqual(B.editor.getShape(id))
    expect(A.editor.getShape(id)).toMatchObject({ x: 140, y: 110 })
  })

  it('concurrent bring-to-front of different shapes gives distinct keys and one order everywhere', () => {
    const A = peer('A')
    const B = peer('B')
    link(A.doc, B.doc)
    A.editor.setToolLocked(true)
    A.editor.setTool('rect')
    drag(A, [0, 0], [50, 50])
    drag(A, [100, 0], [150, 50])
    drag(A, [200, 0], [250, 50])
    const [s1, s2] = A.editor.getShapes().map((s) => s.id)
    // Concurrent: apply each side's change before the other's arrives.
    const aUpdates: Uint8Array[] = []
    const bUpdates: Uint8Array[] = []
    const A2 = peer('A2')
    const B2 = peer('B2')
    Y.applyUpdate(A2.doc, Y.encodeStateAsUpdate(A.doc))
    Y.applyUpdate(B2.doc, Y.encodeStateAsUpdate(A.doc))
    A2.doc.on('update', (u: Uint8Array) => aUpdates.push(u))
    B2.doc.on('update', (u: Uint8Array) => bUpdates.push(u))
    A2.editor.select([s1!])
    A2.editor.bringToFront()
    B2.editor.select([s2!])
    B2.editor.bringToFront()
    for (const u of bUpdates) Y.applyUpdate(A2.doc, u)
    for (const u of aUpdates) Y.applyUpdate(B2.doc, u)
    const zA = A2.editor.getShapes().map((s) => s.z)
    expect(new Set(zA).size).toBe(3)
    expect(A2.editor.getShapes().map((s) => s.id)).toEqual(B2.editor.getShapes().map((s) => s.id))
  })

  it('invalid shapes from the network are skipped and reported, not rendered', () => {
    const p = peer()
    const bad = new Y.Map<unknown>()
    shapesMap(p.doc).set('evil', bad)
    bad.set('kind', 'rect')
    bad.set('x', 'not a number')
    expect(p.editor.getShapes()).toHaveLength(0)
    expect(p.editor.invalid.get('evil')).toMatch(/x/)
  })

  it('publishes presence (cursor, selection, viewport) and lists peers; following moves the camera', () => {
    const A = peer('A', true)
    const B = peer('B', true)
    const aw = A.editor.awareness!
    const bw = B.editor.awareness!
    const relay = (from: Awareness, to: Awareness) =>
      from.on('update', () => to.setLocalState !== undefined && copyStates(from, to))
    // As the server relays it: the user is its stamp, whatever the client wrote.
    const copyStates = (from: Awareness, to: Awareness) => {
      const s = from.getLocalState()
      const who = from === aw ? 'A' : 'B'
      to.states.set(from.clientID, {
        ...s!,
        user: { name: `${who} (server)`, color: '#2f9e44', sessionId: `session-${who}` },
      })
      to.emit('change', [{ added: [], updated: [from.clientID], removed: [] }, 'remote'])
    }
    relay(aw, bw)
    relay(bw, aw)
    A.editor.setCursor({ x: 10, y: 20 })
    expect(B.editor.peers).toHaveLength(1)
    expect(B.editor.peers[0]).toMatchObject({
      user: { id: 'session-A', name: 'A (server)', color: '#2f9e44' },
      cursor: { x: 10, y: 20 },
    })
    A.editor.setCamera({ x: -1000, y: -500, z: 2 })
    B.editor.follow(aw.clientID)
    // B now looks at the centre of A's viewport.
    const c = B.editor.camera
    expect(500 / c.z - c.x).toBeCloseTo(1000 + 250, 5)
    expect(B.editor.followingId).toBe(aw.clientID)
    B.editor.panBy(10, 0)
    expect(B.editor.followingId).toBeNull()
  })
})

describe('undo steps', () => {
  it('a drag with a long pause in the middle is still one undo step', async () => {
    const p = peer()
    p.editor.setTool('rect')
    drag(p, [100, 100], [200, 200])
    const id = p.editor.getShapes()[0]!.id
    const { editor } = p
    editor.pointerDown(editor.pointerInfo({ x: 150, y: 150 }))
    editor.pointerMove(editor.pointerInfo({ x: 200, y: 150 }))
    flush(p)
    await new Promise((r) => setTimeout(r, 500)) // longer than the 400 ms capture window
    editor.pointerMove(editor.pointerInfo({ x: 300, y: 150 }))
    flush(p)
    editor.pointerUp(editor.pointerInfo({ x: 300, y: 150 }))
    expect(editor.getShape(id)).toMatchObject({ x: 250 })
    editor.undo()
    expect(editor.getShape(id)).toMatchObject({ x: 100 })
  })
})
