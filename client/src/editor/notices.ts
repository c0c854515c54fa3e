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

  /**
   * Turns a refused commit into a notice the user can act on. `label` says what the user tried to
   * do, as a verb phrase that follows "you could not" ("delete the sticky note “Plan”", "group 3
   * shapes"); its first word names the retry button ("Delete anyway").
   */
  reportCommitFailure(label: string, result: CommitResult, retry?: () => void): void {
    if (result.status === 'ok') return
    const text = commitFailureText(
      label,
      result,
      (id) => this.ctx.shapes.readCommitted(id),
      this.ctx.describe,
    )
    if (result.status === 'conflict') {
      this.notify({
        kind: 'conflict',
        shapeId: result.shapeId,
        text,
        actions: retry ? [{ label: `${capitalize(label.split(' ')[0]!)} anyway`, run: retry }] : [],
      })
      return
    }
    this.notify({
      kind: result.code === 'locked' ? 'locked' : 'error',
      shapeId: result.shapeId ?? null,
      text,
      actions: result.code === 'locked' && retry ? [{ label: 'Try again', run: retry }] : [],
    })
  }
}

/**
 * The sentence for a refused commit: who did what first and what did not happen, e.g. "Bob
 * deleted the sticky note “note” before your change arrived, so you could not group 2 shapes."
 */
export function commitFailureText(
  label: string,
  result: Exclude<CommitResult, { status: 'ok' }>,
  shape: (id: string) => Shape | undefined,
  describe: NoticesContext['describe'],
): string {
  if (result.status === 'conflict') {
    const s = shape(result.shapeId)
    // The text changed, so the shape is named without it ("the sticky note", not its old text).
    const target = s ? describe({ ...s, text: result.field === 'text' ? '' : s.text }) : 'the shape'
    const what = describeChange(result.field, result.value, target)
    return `${result.by || 'Someone'} ${what} before your change arrived, so you could not ${pronoun(label, target)}.`
  }
  if (result.code === 'locked') {
    const s = result.shapeId ? shape(result.shapeId) : undefined
    const target = s ? describe(s) : 'the shape'
    const who = result.holder || 'someone'
    const it = label.endsWith(` ${target}`) ? 'it' : target
    return `You could not ${label}, because ${who} is editing ${it}. Try again once they are done.`
  }
  if (result.code === 'too_large') {
    return `You could not ${label}: this board is full (it reached the server's size limit), so the change was not saved.`
  }
  const reason = result.message.trim().replace(/[.]$/, '')
  return `You could not ${label}: ${reason || 'the server refused it'}.`
}

const MAX_QUOTED = 40

/** "delete the rectangle" after a sentence that already named the rectangle: "delete it". */
function pronoun(label: string, target: string): string {
  return label.endsWith(` ${target}`) ? `${label.slice(0, -target.length)}it` : label
}

function describeChange(field: VersionedField, value: unknown, target: string): string {
  switch (field) {
    case 'deleted':
      return value ? `deleted ${target}` : `restored ${target}`
    case 'text': {
      const t = String(value ?? '')
      const quoted = t.length > MAX_QUOTED ? `${t.slice(0, MAX_QUOTED).trimEnd()}…` : t
      return t.trim() === ''
        ? `cleared the text of ${target}`
        : `changed the text of ${target} to “${quoted}”`
    }
    case 'binding': {
      const b = value as { start?: unknown; end?: unknown } | null
      return b?.start || b?.end ? `re-attached ${target}` : `detached ${target}`
    }
    case 'parent':
      return value ? `grouped ${target} with other shapes` : `ungrouped ${target}`
    case 'locked':
      return value ? `locked ${target}` : `unlocked ${target}`
  }
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}
