import type { CommitResult, Shape, VersionedField } from '@easel/shared'
import type { ReadModel } from './store/readModel.ts'
import type { Notice } from './types.ts'

export type NoticesContext = {
  shapes: Pick<ReadModel, 'readCommitted'>
  /** How notices name a shape ("the sticky note “Plan”"). */
  describe(shape: Pick<Shape, 'kind' | 'text'>): string
  onChange(): void
}

/** Notices currently shown, and every notice shown so far (for tests). */
export class Notices {
  shown: Notice[] = []
  readonly log: Omit<Notice, 'actions' | 'onDismiss'>[] = []
  private nextId = 1

  constructor(private readonly ctx: NoticesContext) {}

  notify(notice: Omit<Notice, 'id'>): Notice {
    const n = { ...notice, id: this.nextId++ }
    this.shown = [...this.shown, n]
    const { actions: _a, onDismiss: _d, ...logged } = n
    this.log.push(logged)
    this.ctx.onChange()
    return n
  }

  dismiss(id: number): void {
    this.shown = this.shown.filter((n) => n.id !== id)
    this.ctx.onChange()
  }

  /** Turns a refused commit into a notice the user can act on. */
  reportCommitFailure(label: string, result: CommitResult, retry?: () => void): void {
    if (result.status === 'ok') return
    if (result.status === 'conflict') {
      const shape = this.ctx.shapes.readCommitted(result.shapeId)
      const what = this.describeChange(result.field, result.value, shape)
      this.notify({
        kind: 'conflict',
        shapeId: result.shapeId,
        text: `${result.by || 'Someone'} ${what} before your ${label} arrived, so it was not applied.`,
        actions: retry ? [{ label: `${capitalize(label.split(' ')[0]!)} anyway`, run: retry }] : [],
      })
      return
    }
    if (result.code === 'locked') {
      this.notify({
        kind: 'locked',
        shapeId: result.shapeId ?? null,
        text: `${result.holder ?? 'Someone'} is editing this shape, so your ${label} was refused.`,
        actions: retry ? [{ label: 'Try again', run: retry }] : [],
      })
      return
    }
    this.notify({
      kind: 'error',
      shapeId: result.shapeId ?? null,
      text: `Could not ${label}: ${result.message}`,
      actions: [],
    })
  }

  private describeChange(field: VersionedField, value: unknown, shape: Shape | undefined): string {
    const target = shape
      ? this.ctx.describe({ ...shape, text: field === 'text' ? '' : shape.text })
      : 'the shape'
    switch (field) {
      case 'deleted':
        return value ? `deleted ${target}` : `restored ${target}`
      case 'text':
        return `changed the text of ${target} to “${String(value).slice(0, 40)}”`
      case 'binding':
        return `re-attached ${target}`
      case 'parent':
        return value ? `grouped ${target} differently` : `ungrouped ${target}`
      case 'locked':
        return value ? `locked ${target}` : `unlocked ${target}`
    }
  }
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}
