import { type CommitResult, type FieldState, versionedKey, versionedMap } from '@easel/shared'
import type { LeasePort } from '../sync/LeaseClient.ts'
import { describe, type Editor } from './Editor.ts'
import type { HistoryStep } from './history.ts'
import type { TextLeaseAnswers } from './TextEditingLeases.ts'
import type { EditingState } from './textSession.ts'

/** What one edit session did to a shape's text. */
type TextStep = { shapeId: string; before: string; after: string; answered: boolean; step?: HistoryStep }

/**
 * Text edits in the undo history: an edit session is one step (from the text it opened on to the
 * last text it saved). Undoing or redoing it writes the other text back the way typing does, under
 * the shape's lease (ask, commit, release), and only over the text the step left: if someone
 * changed the text since, or is editing it now, the user is told and their text stays.
 */
export class TextUndo {
  private readonly sessions = new WeakMap<EditingState, TextStep>()
  /** Texts undo or redo is writing back, by shape: their commits are not steps of their own. */
  private readonly writing = new Map<string, string>()

  constructor(
    private readonly editor: Editor,
    private readonly leases: LeasePort,
    private readonly answers: Pick<TextLeaseAnswers, 'queued' | 'takeHeld'>,
  ) {}

  /** A session's text commit was sent (`before`: the text it is based on). */
  onCommit(ed: EditingState, before: string, text: string, answer: Promise<CommitResult>): void {
    const id = ed.shapeId
    const undoing = this.writing.get(id) === text
    this.writing.delete(id)
    const t = undoing ? null : this.record(ed, before, text)
    void answer.then((r) => {
      if (r.status === 'ok') this.editor.fitText(id, text)
      if (!t) return
      if (r.status === 'ok') t.answered = true
      // Nothing of the session was saved: there is nothing to undo.
      else if (!t.answered && t.step) this.editor.discardUndoStep(t.step)
    })
  }

  /** The session's step, recorded at its first commit (later ones move its end). */
  private record(ed: EditingState, before: string, text: string): TextStep {
    const known = this.sessions.get(ed)
    if (known) {
      known.after = text
      return known
    }
    const t: TextStep = { shapeId: ed.shapeId, before, after: text, answered: false }
    this.sessions.set(ed, t)
    // The first text of a shape just made is part of making it: undo removes the shape.
    if (before === '' && this.editor.createdLast(ed.shapeId)) return t
    t.step = this.editor.pushUndoStep(
      'text edit',
      () => this.write(t, t.after, t.before, 'undone'),
      () => this.write(t, t.before, t.after, 'redone'),
    )
    return t
  }

  /** Writes `to` over the shape's text if it still is `from`; else says why not. */
  private write(t: TextStep, from: string, to: string, what: 'undone' | 'redone'): void {
    const shape = this.editor.readCommitted(t.shapeId)
    const name = describe({ kind: shape?.kind ?? 'text', text: from })
    const tell = (text: string, anyway?: () => void) =>
      this.editor.notify({
        kind: 'conflict',
        shapeId: t.shapeId,
        text,
        actions: anyway ? [{ label: `${what === 'undone' ? 'Undo' : 'Redo'} anyway`, run: anyway }] : [],
      })
    if (!shape || shape.deleted) {
      tell(`Your text edit of ${name} was not ${what}: the shape was deleted.`)
      return
    }
    const holder = this.leases.leases().find((l) => l.shapeId === t.shapeId)
    if (holder && !holder.mine) {
      tell(
        `${holder.holderName} is editing ${name}, so your text edit was not ${what}. Try again when they are done.`,
      )
      return
    }
    // As this user sees it: with a commit of theirs still in flight (the session just left), that
    // commit's text. Whether it is still so when the lease is granted is checked again then.
    if ((this.editor.getShape(t.shapeId)?.text ?? shape.text) !== from) {
      const by = versionedMap(this.editor.doc).get(versionedKey(t.shapeId, 'text')) as FieldState | undefined
      tell(
        `${by?.by || 'Someone'} changed the text of ${name} since your edit, so it was not ${what}; their text stays.`,
        () => this.queue(t.shapeId, to, null),
      )
      return
    }
    this.queue(t.shapeId, to, from)
  }

  /** Takes the lease and writes `text` if the shape's text is `base` then (null: whatever it is). */
  private queue(shapeId: string, text: string, base: string | null): void {
    this.writing.set(shapeId, text)
    this.answers.queued.set(shapeId, { draft: text, base })
    const held = this.leases.tokenOf(shapeId)
    if (held !== null) this.answers.takeHeld(shapeId, held)
    else this.leases.acquire(shapeId, base === null)
  }
}
