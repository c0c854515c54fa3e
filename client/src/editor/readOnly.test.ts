import { describe, expect, it } from 'vitest'
import { FakeRoom } from '../testing/FakeRoom.ts'
import { drag, roomEditor, settle } from './testPeer.ts'

describe('a view-only editor', () => {
  it('keeps only the select and hand tools, and no gesture, command or undo writes or commits', async () => {
    const room = new FakeRoom()
    const owner = roomEditor(room, 'Owner')
    const viewer = roomEditor(room, 'Viewer')
    const id = owner.editor.createShape('rect', { x: 100, y: 100, w: 100, h: 100 })
    await settle(room)
    const before = JSON.stringify(owner.editor.getShapes())
    viewer.editor.setTool('rect')
    viewer.editor.setReadOnly(true)
    expect(viewer.editor.currentToolId).toBe('select')
    viewer.editor.setTool('ellipse')
    expect(viewer.editor.currentToolId).toBe('select')
    viewer.editor.setTool('hand')
    expect(viewer.editor.currentToolId).toBe('hand')
    viewer.editor.setTool('select')

    let localWrites = 0
    viewer.peer.doc.on('update', (_u: Uint8Array, origin: unknown) => {
      if (origin !== null && typeof origin === 'object' && 'kind' in origin) localWrites++
    })
    const submit = viewer.editor.commits!.submit
    drag({ doc: viewer.peer.doc, editor: viewer.editor, frames: [] }, [150, 150], [400, 400])
    viewer.editor.select([id])
    viewer.editor.deleteSelected()
    viewer.editor.duplicateSelected()
    viewer.editor.bringToFront()
    viewer.editor.updateShapes([{ id, props: { x: 0 } }])
    viewer.editor.createShape('ellipse', { x: 0, y: 0, w: 10, h: 10 })
    const copy = viewer.editor.copySelection()
    if (copy) viewer.editor.paste(copy)
    viewer.editor.undo()
    expect(viewer.editor.canUndo()).toBe(false)
    expect(
      await submit(
        { opId: 'op-1', ops: [{ shapeId: id, field: 'deleted', baseVersion: 0, value: true }] },
        'x',
      ),
    ).toMatchObject({
      status: 'error',
      code: 'forbidden',
    })
    await settle(room)
    expect(localWrites).toBe(0)
    expect(JSON.stringify(owner.editor.getShapes())).toBe(before)
    expect(viewer.editor.getShapes()).toHaveLength(1)

    // Back to editing: the same command works again.
    viewer.editor.setReadOnly(false)
    viewer.editor.updateShapes([{ id, props: { x: 5 } }])
    await settle(room)
    expect(owner.editor.getShape(id)?.x).toBe(5)
  })
})
