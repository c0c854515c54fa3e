import type { Shape } from '@easel/shared'
import { boxFromPoints, type Vec } from '../geometry.ts'
import { EndpointDrag } from './endpointDrag.ts'
import { movedBeyond } from './gesture.ts'
import {
  type Frame,
  fitShapes,
  endpointAt,
  endpointHandles,
  type HandleId,
  handleAt,
  handleCursor,
  handlePositions,
  MIN_FRAME_PX,
  type ResizeHandle,
  resizeFrame,
  rotateFrame,
  rotationTo,
  selectionFrame,
} from './handles.ts'
import { MoveSnap, type SnapGuide } from './snapping.ts'
import type { PointerInfo, Tool, ToolContext, ToolOverlay } from './types.ts'

type State =
  | { name: 'idle' }
  /** Pressed on a shape; becomes a drag once the pointer moves. */
  | { name: 'pointingShape'; id: string; start: Vec; screen: Vec; shift: boolean; wasSelected: boolean }
  | { name: 'dragging'; start: Vec; origins: Map<string, Vec>; snap: MoveSnap }
  /** Pressed on empty canvas; becomes a marquee once the pointer moves. */
  | { name: 'pointingCanvas'; start: Vec; screen: Vec; shift: boolean }
  | { name: 'marquee'; start: Vec; current: Vec; base: Set<string> }
  /** Dragging a handle of the selection frame; `shapes` and `frame` are as they were at the press. */
  | { name: 'resizing'; handle: ResizeHandle; grab: Vec; start: Vec; frame: Frame; shapes: Shape[] }
  | { name: 'rotating'; start: Vec; frame: Frame; shapes: Shape[]; rotation: number }
  /** Dragging an endpoint handle of a single selected line or arrow. */
  | { name: 'endpoint'; drag: EndpointDrag }

/**
 * Select: click selects, shift-click toggles, drag moves the selection, drag on empty canvas draws
 * a marquee (shift adds to the selection). The selection frame's handles resize it (shift keeps
 * the aspect ratio, alt resizes around the centre) and rotate it (snapping to 45°, 15° steps with
 * shift).
 */
export class SelectTool implements Tool {
  readonly id = 'select' as const
  private s: State = { name: 'idle' }
  /** Handle under the pointer while idle (for the cursor). */
  private hover: HandleId | null = null
  /** Whether an endpoint handle is under the pointer while idle. */
  private hoverEnd = false

  constructor(private readonly editor: ToolContext) {}

  get state(): string {
    return this.s.name
  }

  get cursor(): string {
    const s = this.s
    if (s.name === 'dragging') return 'move'
    if (s.name === 'resizing') return handleCursor(s.handle, s.frame.rotation)
    if (s.name === 'rotating') return handleCursor('rotate', 0)
    if (s.name === 'endpoint' || this.hoverEnd) return 'crosshair'
    const frame = this.hover && this.frame()
    return frame ? handleCursor(this.hover!, frame.rotation) : 'default'
  }

  /** The frame around the selection, as the handles are drawn. */
  private frame(): Frame | null {
    return selectionFrame(this.editor.getSelectedShapes())
  }

  handles(): { frame: Frame; active: HandleId | null } | null {
    const s = this.s
    if (s.name === 'dragging' || s.name === 'marquee' || this.ends()) return null
    const frame = this.frame()
    if (!frame) return null
    return { frame, active: s.name === 'resizing' ? s.handle : s.name === 'rotating' ? 'rotate' : null }
  }

  /** A single selected line or arrow: its ends, instead of a frame. */
  private ends() {
    return endpointHandles(this.editor.getSelectedShapes())
  }

  endpoints() {
    const s = this.s
    const ends = s.name === 'dragging' || s.name === 'marquee' ? null : this.ends()
    return ends && { ...ends, active: s.name === 'endpoint' ? s.drag.end : null }
  }

  bindTarget(): string | null {
    return this.s.name === 'endpoint' ? (this.s.drag.target?.id ?? null) : null
  }

  onPointerDown(e: PointerInfo): void {
    const ends = this.ends()
    const end = ends && endpointAt(ends, e.page, this.editor.camera.z)
    if (end) {
      this.editor.beginGesture()
      this.s = {
        name: 'endpoint',
        drag: new EndpointDrag(this.editor, this.editor.getSelectedShapes()[0]!, end, e),
      }
      return
    }
    const frame = this.frame()
    const handle = frame && !ends && handleAt(frame, e.page, this.editor.camera.z)
    if (frame && handle) {
      this.editor.beginGesture()
      const shapes = this.editor.getSelectedShapes()
      this.s =
        handle === 'rotate'
          ? { name: 'rotating', start: e.page, frame, shapes, rotation: frame.rotation }
          : {
              name: 'resizing',
              handle,
              grab: handlePositions(frame, this.editor.camera.z).find((h) => h.id === handle)!.p,
              start: e.page,
              frame,
              shapes,
            }
      return
    }
    // Locked shapes are not hit: a press on one is a press on the canvas.
    const hit = this.editor.shapeAt(e.page, (s) => !s.locked)
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
    if (s.name === 'idle') {
      this.hoverAt(e.page)
      return
    }
    if (s.name === 'endpoint') {
      s.drag.move(e)
      return
    }
    if (s.name === 'resizing') {
      const to = { x: s.grab.x + e.page.x - s.start.x, y: s.grab.y + e.page.y - s.start.y }
      const frame = resizeFrame(s.frame, s.handle, to, e.alt, MIN_FRAME_PX / this.editor.camera.z, e.shift)
      if (frame) this.fit(s.shapes, s.frame, frame)
      return
    }
    if (s.name === 'rotating') {
      const rotation = rotationTo(s.frame, s.start, e.page, e.shift)
      if (rotation !== s.rotation) this.fit(s.shapes, s.frame, rotateFrame(s.frame, rotation))
      s.rotation = rotation
      return
    }
    if (s.name === 'pointingShape' && movedBeyond(s.screen, e.screen)) {
      this.editor.beginGesture()
      const origins = new Map<string, Vec>()
      const moving = this.editor.getSelectedShapes()
      for (const shape of moving) origins.set(shape.id, { x: shape.x, y: shape.y })
      this.s = { name: 'dragging', start: s.start, origins, snap: new MoveSnap(this.editor, moving) }
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
      const snapped = t.snap.apply(dx, dy, e.mod, { x: e.shift && dx === 0, y: e.shift && dy === 0 })
      dx = snapped.x
      dy = snapped.y
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
      case 'resizing':
      case 'rotating':
        this.editor.endLive()
        this.editor.detachMovedArrows(s.shapes.map((x) => x.id))
        return
      case 'endpoint':
        s.drag.finish()
        return
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
    const s = this.s
    if (s.name === 'dragging') {
      for (const [id, o] of s.origins) this.editor.setLive(id, o)
      this.editor.endLive()
    } else if (s.name === 'endpoint') {
      s.drag.cancel()
    } else if (s.name === 'resizing' || s.name === 'rotating') {
      for (const { id, x, y, w, h, rotation, points } of s.shapes)
        this.editor.setLive(id, { x, y, w, h, rotation, points })
      this.editor.endLive()
    }
    this.s = { name: 'idle' }
  }

  onExit(): void {
    this.hover = null
    this.editor.groups.hoverAt(null)
    this.hoverEnd = false
  }

  private fit(shapes: Shape[], from: Frame, to: Frame): void {
    for (const u of fitShapes(shapes, from, to)) this.editor.setLive(u.id, u.props)
  }

  private hoverAt(page: Vec): void {
    const frame = this.frame()
    const ends = this.ends()
    const hoverEnd = !!ends && !!endpointAt(ends, page, this.editor.camera.z)
    const hover = frame && !ends ? handleAt(frame, page, this.editor.camera.z) : null
    if (this.editor.groups.hoverAt(hover || hoverEnd ? null : page)) this.editor.notifyChange()
    if (hover === this.hover && hoverEnd === this.hoverEnd) return
    this.hover = hover
    this.hoverEnd = hoverEnd
    this.editor.notifyChange()
  }

  snapGuides(): readonly SnapGuide[] {
    return this.s.name === 'dragging' ? this.s.snap.guides : []
  }

  overlay(): ToolOverlay | null {
    return this.s.name === 'marquee'
      ? { kind: 'marquee', box: boxFromPoints(this.s.start, this.s.current) }
      : null
  }
}
