import { describe, expect, it } from 'vitest'
import { peer } from '../editor/testPeer.ts'
import { type ContextMenuAt, contextMenuItems } from './ContextMenu.tsx'

const at = (x: number, y: number, shapeId: string | null): ContextMenuAt => ({
  client: { x, y },
  screen: { x, y },
  page: { x, y },
  shapeId,
})
const ids = (items: ReturnType<typeof contextMenuItems>) =>
  items.map((i) => (i === 'separator' ? '-' : i.id)).join(' ')
const run = (items: ReturnType<typeof contextMenuItems>, id: string) => {
  const item = items.find((i) => i !== 'separator' && i.id === id)
  if (!item || item === 'separator') throw new Error(`no item ${id}`)
  item.run()
}

describe('context menu items', () => {
  it('on a shape: clipboard, duplicate, delete, z-order and lock, with their shortcuts', () => {
    const p = peer()
    const a = p.editor.createShape('rect', { x: 0, y: 0, w: 100, h: 100 })
    p.editor.select([a])
    const items = contextMenuItems(p.editor, at(50, 50, a))
    expect(ids(items)).toBe('cut copy paste duplicate delete - forward backward front back - lock')
    expect(items.every((i) => i === 'separator' || i.keys)).toBe(true)
    run(items, 'duplicate')
    expect(p.editor.getShapes()).toHaveLength(2)
    p.editor.select([a])
    run(contextMenuItems(p.editor, at(50, 50, a)), 'delete')
    expect(p.editor.getShape(a)).toBeUndefined()
  })

  it('offers Group for several ungrouped shapes and Ungroup for grouped ones', () => {
    const p = peer()
    const a = p.editor.createShape('rect', { x: 0, y: 0, w: 100, h: 100 })
    const b = p.editor.createShape('rect', { x: 200, y: 0, w: 100, h: 100 })
    p.editor.select([a, b])
    expect(ids(contextMenuItems(p.editor, at(50, 50, a)))).toContain('delete - group - forward')
  })

  it('on a locked shape: only unlock and copy; on empty canvas: paste, select all, add text here', () => {
    const p = peer()
    const a = p.editor.createShape('rect', { x: 0, y: 0, w: 100, h: 100 })
    const locked = { ...p.editor.getShape(a)!, locked: true }
    const editor = Object.create(p.editor, { getShape: { value: () => locked } })
    expect(ids(contextMenuItems(editor, at(50, 50, a)))).toBe('unlock copy')

    const items = contextMenuItems(p.editor, at(400, 300, null))
    expect(ids(items)).toBe('paste select-all add-text')
    let editing: string | null = null
    p.editor.onTextShapeCreated = (id) => {
      editing = id
    }
    run(items, 'add-text')
    const text = p.editor.getShapes().find((s) => s.kind === 'text')
    expect(text).toBeDefined()
    expect(editing).toBe(text!.id)
    expect(Math.abs(text!.x - 400)).toBeLessThan(200)
    run(contextMenuItems(p.editor, at(400, 300, null)), 'select-all')
    expect(p.editor.selectedIds.size).toBe(2)
  })
})
