import type { Shape } from '@easel/shared'
import { shapeBounds } from '../shapes/index.ts'
import { type Box, unionBoxes, type Vec } from './geometry.ts'

export type GroupContext = {
  shapes: () => Iterable<Shape>
  /** Bumped whenever a shape changes (the member index is rebuilt lazily after that). */
  version: () => number
  getShape: (id: string) => Shape | undefined
  selectedIds: () => ReadonlySet<string>
  shapeAt: (p: Vec) => Shape | undefined
}

/**
 * Groups as the select tool sees them: shapes sharing a `parent` are one group. Clicking a member
 * picks the whole group, unless the group was entered (double-click): then members are picked one
 * by one. The group stays entered while the selection is some of its members; selecting anything
 * else, or nothing (Esc, a click outside), leaves it.
 */
export class GroupFocus {
  private enteredId: string | null = null
  private hoveredId: string | null = null
  private index: { version: number; members: Map<string, string[]> } | null = null

  constructor(private readonly ctx: GroupContext) {}

  /** The entered group, while the selection is still inside it. */
  get entered(): string | null {
    if (this.enteredId !== null && !this.selectionInside(this.enteredId)) this.enteredId = null
    return this.enteredId
  }

  /** The group of the shape under the pointer (drawn faintly), if any. */
  get hovered(): string | null {
    return this.hoveredId
  }

  /** Enters the shape's group and selects that one member; false when it is in no group. */
  enter(shape: Shape, select: (ids: string[]) => void): boolean {
    if (!shape.parent) return false
    this.enteredId = shape.parent
    select([shape.id])
    return true
  }

  /** Forgets the entered group if the selection left it. */
  check(): void {
    void this.entered
  }

  /** Ids of the shapes in a group, in no particular order. */
  members(group: string): readonly string[] {
    return this.groups().get(group) ?? []
  }

  /** The ids plus every shape sharing a group with one of them, except members of the entered group. */
  expand(ids: Iterable<string>): string[] {
    const entered = this.entered
    const out = new Set(ids)
    for (const id of [...out]) {
      const parent = this.ctx.getShape(id)?.parent
      if (parent && parent !== entered) for (const m of this.members(parent)) out.add(m)
    }
    return [...out]
  }

  /** Tracks the group under the pointer; true when it changed. */
  hoverAt(p: Vec | null): boolean {
    const hovered = p && this.groups().size > 0 ? (this.ctx.shapeAt(p)?.parent ?? null) : null
    if (hovered === this.hoveredId) return false
    this.hoveredId = hovered
    return true
  }

  /** The box around a group's members (axis-aligned, rotated members included). */
  bounds(group: string): Box | null {
    return unionBoxes(
      this.members(group)
        .map((id) => this.ctx.getShape(id))
        .filter((s): s is Shape => !!s)
        .map(shapeBounds),
    )
  }

  private selectionInside(group: string): boolean {
    const selected = this.ctx.selectedIds()
    if (selected.size === 0) return false
    for (const id of selected) if (this.ctx.getShape(id)?.parent !== group) return false
    return true
  }

  private groups(): Map<string, string[]> {
    const version = this.ctx.version()
    if (this.index?.version === version) return this.index.members
    const members = new Map<string, string[]>()
    for (const s of this.ctx.shapes()) {
      if (!s.parent) continue
      const list = members.get(s.parent)
      if (list) list.push(s.id)
      else members.set(s.parent, [s.id])
    }
    this.index = { version, members }
    return members
  }
}

/** What the canvas draws around a selection: a dashed frame per whole group, an outline per other shape. */
export type SelectionOutlines = { groups: { id: string; box: Box }[]; shapes: { id: string; box: Box }[] }

/**
 * Groups whose every member is selected get one frame; the other selected shapes get their own
 * outline, except a lone shape (its selection frame is outline enough).
 */
export function selectionOutlines(selected: readonly Shape[], groups: GroupFocus): SelectionOutlines {
  const ids = new Set(selected.map((s) => s.id))
  const whole = new Map<string, boolean>()
  for (const s of selected)
    if (s.parent && !whole.has(s.parent))
      whole.set(
        s.parent,
        groups.members(s.parent).every((m) => ids.has(m)),
      )
  const out: SelectionOutlines = { groups: [], shapes: [] }
  for (const [id, all] of whole) {
    const box = all && groups.bounds(id)
    if (box) out.groups.push({ id, box })
  }
  const loose = selected.filter((s) => !s.parent || !whole.get(s.parent))
  if (loose.length > 1 || out.groups.length > 0)
    for (const s of loose) out.shapes.push({ id: s.id, box: shapeBounds(s) })
  return out
}
