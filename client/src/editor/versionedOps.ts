import {
  type CommitRequest,
  type CommitResult,
  newOpId,
  newShapeId,
  type Shape,
  shapesMap,
  type VersionedField,
  type VersionedValues,
} from '@easel/shared'
import type * as Y from 'yjs'
import { arrowEnd } from '../shapes/index.ts'
import { arrowGeometry, lineEnds, type Vec } from './geometry.ts'
import { hasEndpoints } from './tools/handles.ts'
import type { History } from './history.ts'
import type { Notices } from './notices.ts'
import type { ReadModel } from './store/readModel.ts'
import type { CommitPort } from './types.ts'
import type { ShapeWrites } from './writes.ts'

export type VersionedOpsContext = {
  doc: Y.Doc
  commits: CommitPort | null
  shapes: Pick<ReadModel, 'get' | 'values' | 'readCommitted'>
  writes: Pick<ShapeWrites, 'update' | 'transact' | 'forget'>
  history: Pick<History, 'pushCommit' | 'joinGesture'>
  notices: Pick<Notices, 'reportCommitFailure'>
  select(ids: string[]): void
  shapeAt(p: Vec, filter: (s: Shape) => boolean): Shape | undefined
  describe(shape: Pick<Shape, 'kind' | 'text'>): string
  /** Commits in flight changed for these shapes: read them again. */
  onPendingChanged(ids: Iterable<string>): void
}

type Binding = { start: string | null; end: string | null }

/**
 * Tier 2: changes that do not merge (deletion, arrow bindings, groups) go through commits checked
 * by the server against the versions the user saw, shown optimistically until answered; a refusal
 * becomes a notice, and each such action is one undoable step.
 */
export class VersionedOps {
  /** Versioned values of commits in flight, by shape: shown until the server answers. */
  private pendingValues = new Map<string, Partial<VersionedValues>>()
  private readonly off: () => void = () => {}

  constructor(private readonly ctx: VersionedOpsContext) {
    if (ctx.commits) {
      this.off = ctx.commits.subscribe(this.onPendingChanged)
      this.recomputePending()
    }
  }

  pendingOf(id: string): Partial<VersionedValues> | undefined {
    return this.pendingValues.get(id)
  }

  /**
   * The shape as the server confirmed it, with the values of this user's commits in flight on top
   * (what they see and act on); the versions stay the confirmed ones, which the commit queue moves
   * past those commits when they are applied.
   */
  private committedOrPending(id: string): Shape | undefined {
    const s = this.ctx.shapes.readCommitted(id)
    const p = this.pendingValues.get(id)
    return s && p ? ({ ...s, ...p } as Shape) : s
  }

  private readonly onPendingChanged = () => {
    const before = new Set(this.pendingValues.keys())
    this.recomputePending()
    this.ctx.onPendingChanged(new Set([...before, ...this.pendingValues.keys()]))
  }

  private recomputePending(): void {
    this.pendingValues = new Map()
    for (const op of this.ctx.commits?.pending() ?? []) {
      const v = this.pendingValues.get(op.shapeId) ?? {}
      ;(v as Record<VersionedField, unknown>)[op.field] = op.value
      this.pendingValues.set(op.shapeId, v)
    }
  }

  /**
   * Sends a commit and handles its answer. `satisfied` says whether a conflict still fulfils the
   * user's intent (then nothing is shown); `retry` is offered as the "anyway" action otherwise.
   */
  commit(
    request: CommitRequest,
    label: string,
    satisfied: (r: CommitResult) => boolean = () => false,
    retry?: () => void,
  ): Promise<CommitResult> {
    if (!this.ctx.commits) return Promise.reject(new Error('no commit authority'))
    const answer = this.ctx.commits.submit(request, label)
    void answer.then((result) => {
      if (result.status === 'ok' || satisfied(result)) return
      this.ctx.notices.reportCommitFailure(label, result, retry)
    })
    return answer
  }

  /** Records shapes just created as one undoable step (undo = versioned delete). */
  recordCreation(ids: string[]): void {
    if (!this.ctx.commits || ids.length === 0) return
    const label = ids.length === 1 ? 'remove the new shape' : `remove ${ids.length} new shapes`
    this.ctx.history.pushCommit(
      label,
      () => this.setDeleted(ids, true, label),
      () =>
        this.setDeleted(ids, false, ids.length === 1 ? 'restore the shape' : `restore ${ids.length} shapes`),
      ids,
    )
  }

  /**
   * Deletes shapes through a versioned commit (deletion is not mergeable): hidden at once, and if
   * someone changed one of them meanwhile (its text, binding or group) the user is told and the
   * shapes come back. Without a commit port (tests of tier 1 alone) the Yjs entries are removed.
   * Not `recorded`: no undo step (the shape's creation step was dropped instead).
   */
  deleteShapes(ids: Iterable<string>, recorded = true): void {
    const shapes = [...ids].map((id) => this.ctx.shapes.get(id)).filter((s): s is Shape => !!s)
    if (shapes.length === 0) return
    this.ctx.select([])
    if (!this.ctx.commits) {
      this.ctx.writes.transact(() => {
        for (const s of shapes) shapesMap(this.ctx.doc).delete(s.id)
      })
      return
    }
    const ids2 = shapes.map((s) => s.id)
    this.ctx.writes.forget(ids2)
    const one = shapes.length === 1 ? this.ctx.describe(shapes[0]!) : null
    const label = one ? `delete ${one}` : `delete ${shapes.length} shapes`
    this.setDeleted(ids2, true, label)
    if (!recorded) return
    this.ctx.history.pushCommit(
      label,
      () => this.setDeleted(ids2, false, `restore ${one ?? `${shapes.length} shapes`}`),
      () => this.setDeleted(ids2, true, label),
    )
  }

  /** Commits `deleted = value` for shapes, expecting the versions of their other fields the user saw. */
  private setDeleted(ids: string[], value: boolean, label: string): void {
    const shapes = ids
      .map((id) => this.committedOrPending(id))
      .filter((s): s is Shape => !!s && s.deleted !== value)
    if (shapes.length === 0) return
    this.commit(
      {
        opId: newOpId(),
        ops: shapes.map((s) => ({ shapeId: s.id, field: 'deleted', baseVersion: s.versions.deleted, value })),
        expect: shapes.flatMap((s) =>
          (['text', 'binding', 'parent', 'locked'] as const).map((field) => ({
            shapeId: s.id,
            field,
            version: s.versions[field],
          })),
        ),
      },
      label,
      (result) => result.status === 'conflict' && result.field === 'deleted' && result.value === value,
      () => this.setDeleted(ids, value, label),
    )
  }

  /** The topmost shape under `p` an arrow end can attach to (not a line or arrow, not itself). */
  bindTargetAt(p: Vec, arrowId: string | null): Shape | undefined {
    return this.ctx.shapeAt(p, (s) => s.id !== arrowId && !hasEndpoints(s))
  }

  /** Attaches a freshly drawn arrow's ends to the shapes under them (a versioned binding). */
  bindArrowEnds(arrowId: string): void {
    const arrow = this.ctx.shapes.get(arrowId)
    if (arrow?.kind !== 'arrow' || !arrow.points) return
    const [start, end] = lineEnds(arrow).map((p) => this.bindTargetAt(p, arrowId)?.id ?? null)
    const binding = { start: start ?? null, end: end ?? null }
    if (!binding.start && !binding.end) return
    this.setBinding(arrowId, binding)
  }

  /** Attaches one end of an arrow to `target` or detaches it (null); nothing if it is already so. */
  retargetArrowEnd(arrowId: string, end: 'start' | 'end', target: string | null): void {
    const arrow = this.ctx.shapes.get(arrowId)
    if (arrow?.kind !== 'arrow' || arrow.binding[end] === target) return
    this.rebind([{ id: arrowId, binding: { ...arrow.binding, [end]: target } }])
  }

  /** Bindings the user's last gesture changed: committed, and undone and redone with the gesture. */
  private rebind(changes: { id: string; binding: Binding }[]): void {
    if (changes.length === 0) return
    const before = changes.map(({ id }) => ({ id, binding: this.ctx.shapes.get(id)!.binding }))
    // Snapping the arrows is no step of its own: undoing the binding snaps them back.
    const apply = (list: typeof changes) => () => {
      for (const { id, binding } of list) this.setBinding(id, binding, true)
    }
    apply(changes)()
    this.ctx.history.joinGesture('arrow attachment', apply(before), apply(changes))
  }

  /**
   * Commits an arrow's binding and snaps it to its shapes (`untracked`: not an undo step, as when
   * undoing); a concurrent rebinding is reported.
   */
  setBinding(arrowId: string, binding: Binding, untracked = false): void {
    const arrow = this.ctx.shapes.readCommitted(arrowId)
    if (!arrow || !this.ctx.commits) return
    const s = binding.start ? this.ctx.shapes.get(binding.start) : undefined
    const e = binding.end ? this.ctx.shapes.get(binding.end) : undefined
    this.ctx.writes.update(
      [{ id: arrowId, props: arrowGeometry(arrow, s ? arrowEnd(s) : null, e ? arrowEnd(e) : null) }],
      untracked,
    )
    // What the user saw (a commit of theirs still in flight included): a rebase keeps their change
    // to each end relative to that, so detaching right after attaching does not re-attach.
    const before = this.ctx.shapes.get(arrowId)?.binding ?? arrow.binding
    this.commit(
      {
        opId: newOpId(),
        ops: [{ shapeId: arrowId, field: 'binding', baseVersion: arrow.versions.binding, value: binding }],
      },
      'attach the arrow',
      (r) => {
        if (r.status !== 'conflict' || r.field !== 'binding') return false
        // Rebase: if the other user changed only the other end, our end still applies on top.
        const theirs = r.value as Binding
        const merged = {
          start: binding.start !== before.start ? binding.start : theirs.start,
          end: binding.end !== before.end ? binding.end : theirs.end,
        }
        const clash =
          (binding.start !== before.start &&
            theirs.start !== before.start &&
            theirs.start !== binding.start) ||
          (binding.end !== before.end && theirs.end !== before.end && theirs.end !== binding.end)
        if (clash) return false
        void this.ctx.commits!.submit(
          {
            opId: newOpId(),
            ops: [{ shapeId: arrowId, field: 'binding', baseVersion: r.version, value: merged }],
          },
          'attach the arrow',
        )
        return true
      },
      () => this.setBinding(arrowId, binding),
    )
  }

  /** After a move: arrows moved without the shapes they are attached to come loose. */
  detachMovedArrows(ids: Iterable<string>): void {
    const moved = new Set(ids)
    const changes: { id: string; binding: Binding }[] = []
    for (const id of moved) {
      const s = this.ctx.shapes.get(id)
      if (s?.kind !== 'arrow') continue
      const { start, end } = s.binding
      const keep = {
        start: start && moved.has(start) ? start : null,
        end: end && moved.has(end) ? end : null,
      }
      if (keep.start !== start || keep.end !== end) changes.push({ id, binding: keep })
    }
    this.rebind(changes)
  }

  /** Groups the shapes (a versioned change: all shapes join the group or none does). */
  group(shapes: Shape[]): void {
    if (shapes.length < 2) return
    this.setParents(
      shapes.map((s) => s.id),
      `g${newShapeId()}`,
      `group ${shapes.length} shapes`,
    )
  }

  ungroup(shapes: Shape[]): void {
    const grouped = shapes.filter((s) => s.parent)
    if (grouped.length > 0)
      this.setParents(
        grouped.map((s) => s.id),
        null,
        grouped.length === 1 ? 'ungroup the shape' : `ungroup ${grouped.length} shapes`,
      )
  }

  private setParents(ids: string[], parent: string | null, label: string): void {
    const before = new Map(ids.map((id) => [id, this.committedOrPending(id)?.parent ?? null]))
    const apply = (target: (id: string) => string | null, what: string) => {
      const shapes = ids.map((id) => this.committedOrPending(id)).filter((s): s is Shape => !!s && !s.deleted)
      if (shapes.length === 0) return
      this.commit(
        {
          opId: newOpId(),
          ops: shapes.map((s) => ({
            shapeId: s.id,
            field: 'parent',
            baseVersion: s.versions.parent,
            value: target(s.id),
          })),
        },
        what,
        () => false,
        () => apply(target, what),
      )
    }
    apply(() => parent, label)
    this.ctx.history.pushCommit(
      label,
      () => apply((id) => before.get(id) ?? null, parent ? 'undo the grouping' : 'undo the ungrouping'),
      () => apply(() => parent, label),
    )
  }

  /**
   * Locks or unlocks shapes (a versioned change: a concurrent lock or unlock by someone else is
   * reported, unless they set the same value). One undoable step.
   */
  setLocked(ids: string[], locked: boolean): void {
    const label = locked ? 'lock' : 'unlock'
    // A commit is refused whole: when someone set the same value on one of the shapes first, the
    // others are still to be done (at most once per shape, so a slow echo cannot loop).
    let retries = ids.length
    const apply = (value: boolean, what: string): boolean => {
      const shapes = ids
        .map((id) => this.committedOrPending(id))
        .filter((s): s is Shape => !!s && !s.deleted && s.locked !== value)
      if (shapes.length === 0 || !this.ctx.commits) return false
      void this.commit(
        {
          opId: newOpId(),
          ops: shapes.map((s) => ({ shapeId: s.id, field: 'locked', baseVersion: s.versions.locked, value })),
        },
        what,
        (r) => {
          const same = r.status === 'conflict' && r.field === 'locked' && r.value === value
          if (same && shapes.length > 1 && retries-- > 0) apply(value, what)
          return same
        },
        () => apply(value, what),
      )
      return true
    }
    if (!apply(locked, label)) return
    this.ctx.history.pushCommit(
      label,
      () => apply(!locked, `undo ${label}`),
      () => apply(locked, label),
    )
  }

  destroy(): void {
    this.off()
  }
}
