import { describe, expect, it } from 'vitest'
import { drag, peer } from './testPeer.ts'
import { createTools, type PointerInfo, type Tool } from './tools/index.ts'

describe('tool dispatch', () => {
  it('while space is held a drag pans with the hand tool, whatever the current tool', () => {
    const p = peer()
    p.editor.setTool('rect')
    p.editor.setSpaceHeld(true)
    expect(p.editor.tool.id).toBe('hand')
    expect(p.editor.tool.cursor).toBe('grab')
    drag(p, [100, 100], [150, 130])
    expect(p.editor.camera).toEqual({ x: 50, y: 30, z: 1 })
    expect(p.editor.getShapes()).toHaveLength(0)
    expect(p.editor.currentToolId).toBe('rect')
    p.editor.setSpaceHeld(false)
    expect(p.editor.tool.id).toBe('rect')
  })

  it('a pan started with space goes on until the pointer is released, even if space is let go', () => {
    const p = peer()
    p.editor.setSpaceHeld(true)
    p.editor.pointerDown(p.editor.pointerInfo({ x: 100, y: 100 }))
    expect(p.editor.tool.cursor).toBe('grabbing')
    p.editor.setSpaceHeld(false)
    p.editor.pointerMove(p.editor.pointerInfo({ x: 120, y: 100 }))
    p.editor.pointerUp(p.editor.pointerInfo({ x: 120, y: 100 }))
    expect(p.editor.camera.x).toBe(20)
    expect(p.editor.tool.id).toBe('select')
    expect(p.editor.tools.hand.state).toBe('idle')
  })

  it('space pressed during a drag does not take it over: the press keeps its tool', () => {
    const p = peer()
    p.editor.setTool('rect')
    p.editor.pointerDown(p.editor.pointerInfo({ x: 100, y: 100 }))
    p.editor.setSpaceHeld(true)
    p.editor.pointerMove(p.editor.pointerInfo({ x: 200, y: 200 }))
    p.editor.pointerUp(p.editor.pointerInfo({ x: 200, y: 200 }))
    expect(p.editor.getShapes()[0]).toMatchObject({ kind: 'rect', w: 100, h: 100 })
    expect(p.editor.camera.x).toBe(0)
  })

  it('the middle button pans with any tool; other buttons do nothing', () => {
    const p = peer()
    p.editor.setTool('rect')
    drag(p, [100, 100], [90, 80], { button: 1 })
    expect(p.editor.camera).toEqual({ x: -10, y: -20, z: 1 })
    drag(p, [100, 100], [300, 300], { button: 2 })
    expect(p.editor.getShapes()).toHaveLength(0)
    expect(p.editor.camera.x).toBe(-10)
  })

  it('tools are injected: pointer events go to the ones the options build', () => {
    const seen: string[] = []
    const probe: Tool = {
      id: 'select',
      state: 'idle',
      cursor: 'cell',
      onPointerDown: (e: PointerInfo) => seen.push(`down ${e.page.x}`),
      onPointerUp: () => seen.push('up'),
    }
    const p = peer('Ada', false, { tools: (ctx) => ({ ...createTools(ctx), select: probe }) })
    drag(p, [10, 0], [20, 0], { steps: 1 })
    expect(seen).toEqual(['down 10', 'up'])
    expect(p.editor.tool.cursor).toBe('cell')
  })
})
