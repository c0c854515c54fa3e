import type { Editor } from '../Editor.ts'
import { boxFromPoints, type Vec } from '../geometry.ts'
import { movedBeyond, type PointerInfo, type Tool, type ToolOverlay } from './index.ts'

type State =
  | { name: 'idle' }
  /** Pressed on a shape; becomes a drag once the pointer moves. */
  | { name: 'pointingShape'; id: string; start: Vec; screen: Vec; shift: boolean; wasSelected: boolean }
  | { name: 'dragging'; start: Vec; origins: Map<string, Vec> }
  /** Pressed on empty canvas; becomes a marquee once the pointer moves. */
  | { name: 'pointingCanvas'; start: Vec; screen: Vec; shift: boolean }
  | { name: 'marquee'; start: Vec; current: Vec; base: Set<string> }

/**
 * Select: click selects, shift-click toggles, drag moves the selection, drag on empty canvas draws
 * a marquee (shift adds to the selection). Resize and rotate are done by the canvas's transformer.
 */
export class SelectTool implements Tool {
  readonly id = 'select' as const
  private s: State = { name: 'idle' }

  constructor(private readonly editor: Editor) {}

  get state(): string {
    return this.s.name
  }

  get cursor(): string {
    return this.s.name === 'dragging' ? 'move' : 'default'
  }

  onPointerDown(e: PointerInfo): void {
    const hit = this.editor.shapeAt(e.page)
    if (!hit) {
      this.s = { name: 'pointingCanvas', start: e.page, screen: e.screen, shift: e.shift }
      return
    }
    const wasSelected = this.editor.selectedIds.has(hit.id)
    if (!wasSelected) {
      const group = this.editor.withGroups([hit.id])
      this.editor.select(e.shift ? [...this.editor.selectedIds, ...group] : group)
    }
    this.s = {
      name: 'pointingShape',
      id: hit.id,
      start: e.page,
      screen: e.screen,
      shift: e.shift,
      wasSelected,
    }
  }

  onPointerMove(e: PointerInfo): void {
    const s = this.s
    if (s.name === 'pointingShape' && movedBeyond(s.screen, e.screen)) {
      this.editor.beginGesture()
      const origins = new Map<string, Vec>()
      for (const shape of this.editor.getSelectedShapes()) origins.set(shape.id, { x: shape.x, y: shape.y })
      this.s = { name: 'dragging', start: s.start, origins }
    } else if (s.name === 'pointingCanvas' && movedBeyond(s.screen, e.screen)) {
      this.s = {
        name: 'marquee',
        start: s.start,
        current: e.page,
        base: s.shift ? new Set(this.editor.selectedIds) : new Set(),
      }
    }
    const t = this.s
    if (t.name === 'dragging') {
      let dx = e.page.x - t.start.x
      let dy = e.page.y - t.start.y
      if (e.shift) {
        if (Math.abs(dx) > Math.abs(dy)) dy = 0
        else dx = 0
      }
      for (const [id, o] of t.origins) this.editor.setLive(id, { x: o.x + dx, y: o.y + dy })
    } else if (t.name === 'marquee') {
      t.current = e.page
      const inBox = this.editor.withGroups(
        this.editor.shapesInBox(boxFromPoints(t.start, t.current)).map((x) => x.id),
      )
      this.editor.select(new Set([...t.base, ...inBox]))
    }
  }

  onPointerUp(e: PointerInfo): void {
    const s = this.s
    this.s = { name: 'idle' }
    switch (s.name) {
      case 'dragging':
        this.editor.endLive()
        this.editor.detachMovedArrows(s.origins.keys())
        return
      case 'pointingShape':
        // A click on an already-selected shape: shift removes it, plain click narrows to it.
        if (s.wasSelected) {
          const group = new Set(this.editor.withGroups([s.id]))
          if (s.shift) this.editor.select([...this.editor.selectedIds].filter((id) => !group.has(id)))
          else this.editor.select(group)
        }
        return
      case 'pointingCanvas':
        if (!e.shift) this.editor.select([])
        return
      default:
    }
  }

  onCancel(): void {
    if (this.s.name === 'dragging') {
      for (const [id, o] of this.s.origins) this.editor.setLive(id, o)
      this.editor.endLive()
    }
    this.s = { name: 'idle' }
  }

  overlay(): ToolOverlay | null {
    return this.s.name === 'marquee'
      ? { kind: 'marquee', box: boxFromPoints(this.s.start, this.s.current) }
      : null
  }
}
