import type { Shape } from '@easel/shared'
import { arrowEnd, shapeUtil } from '../../shapes/index.ts'
import { arrowGeometry, lineEnds, type Vec } from '../geometry.ts'
import { movedBeyond } from './gesture.ts'
import type { LineEnd } from './handles.ts'
import type { PointerInfo, ToolContext } from './types.ts'

/** With shift, a dragged end turns around the other in steps of this many radians (as drawing does). */
const SHIFT_ANGLE_STEP = Math.PI / 12

/**
 * Dragging one end of a line or arrow by its endpoint handle: the other end stays. An arrow's
 * dragged end attaches, on release, to the shape it is over (shown as `target` meanwhile, the
 * end already on its outline), or comes loose over empty canvas.
 */
export class EndpointDrag {
  /** The shape the dragged end would attach to. */
  target: Shape | null = null
  private readonly other: LineEnd
  /** From the pointer to the end, at the press (the end does not jump to the pointer). */
  private readonly grab: Vec
  private readonly binds: boolean
  private moved = false

  constructor(
    private readonly editor: ToolContext,
    /** The line as it was at the press. */
    private readonly shape: Shape,
    readonly end: LineEnd,
    private readonly press: PointerInfo,
  ) {
    this.other = end === 'start' ? 'end' : 'start'
    const [start, finish] = lineEnds(shape)
    const at = end === 'start' ? start : finish
    this.grab = { x: at.x - press.page.x, y: at.y - press.page.y }
    const create = shapeUtil(shape.kind).tool.create
    this.binds = create.type === 'line' && create.bindsEnds
  }

  move(e: PointerInfo): void {
    // A click on a handle changes nothing.
    this.moved ||= movedBeyond(this.press.screen, e.screen)
    if (!this.moved) return
    const [start, finish] = lineEnds(this.shape)
    const fixed = this.end === 'start' ? finish : start
    let p = { x: e.page.x + this.grab.x, y: e.page.y + this.grab.y }
    if (e.shift) {
      const len = Math.hypot(p.x - fixed.x, p.y - fixed.y)
      const angle = Math.round(Math.atan2(p.y - fixed.y, p.x - fixed.x) / SHIFT_ANGLE_STEP) * SHIFT_ANGLE_STEP
      p = { x: fixed.x + Math.cos(angle) * len, y: fixed.y + Math.sin(angle) * len }
    }
    const otherId = this.binds ? this.shape.binding[this.other] : null
    const otherShape = otherId ? (this.editor.getShape(otherId) ?? null) : null
    const target = this.binds ? (this.editor.bindTargetAt(e.page, this.shape.id) ?? null) : null
    // An arrow from a shape back to the same shape has no line to follow: not a target.
    this.target = target && target.id !== otherShape?.id ? target : null
    const [a, b] = this.end === 'start' ? [p, fixed] : [fixed, p]
    const free = { x: a.x, y: a.y, rotation: 0, points: [0, 0, b.x - a.x, b.y - a.y] }
    const anchor = (s: Shape | null) => (s ? arrowEnd(s) : null)
    const [startShape, endShape] =
      this.end === 'start' ? [this.target, otherShape] : [otherShape, this.target]
    this.editor.setLive(this.shape.id, arrowGeometry(free, anchor(startShape), anchor(endShape)))
  }

  /** Writes the new geometry and, for an arrow, attaches or detaches the dragged end. */
  finish(): void {
    this.editor.endLive()
    if (this.binds && this.moved)
      this.editor.retargetArrowEnd(this.shape.id, this.end, this.target?.id ?? null)
    this.target = null
  }

  cancel(): void {
    const { x, y, w, h, rotation, points } = this.shape
    this.editor.setLive(this.shape.id, { x, y, w, h, rotation, points })
    this.editor.endLive()
    this.target = null
  }
}
