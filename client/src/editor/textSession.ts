import { type CommitRequest, type CommitResult, newOpId } from '@easel/shared'
import type { DraftStore } from './drafts.ts'

/** The in-place editor of a text or sticky shape. */
export type EditingState = {
  shapeId: string
  /** The lease's fencing token (0 while pending). */
  token: number
  /** What the user has typed (what the text editor shows). */
  draft: string
  /**
   * Last text the server accepted, and its version (the base of the next commit). While pending:
   * the text the draft was started from.
   */
  saved: string
  baseVersion: number
  /**
   * 'pending': opened at once while the lease is asked for; typing goes into the draft and nothing
   * is sent until the lease is granted. 'lost': the lease ended under us; the draft is kept but
   * nothing more is sent.
   */
  status: 'pending' | 'editing' | 'lost'
  /**
   * The socket dropped (the server has released the lease). Typing goes on locally; on reconnect
   * the editor is pending again and asks for the lease anew.
   */
  offline: boolean
  /** Pending after being offline: if the text changed meanwhile, the editor closes. */
  wasOffline?: boolean
}

/** A lease request in progress, for the "asking / waiting for Bo" prompt. */
export type LockRequest =
  | { shapeId: string; status: 'asking' }
  | { shapeId: string; status: 'held'; holderName: string; holderColor: string }
  | { shapeId: string; status: 'waiting'; holderName: string; position: number }

/** Text to write once a lease is granted; `base` null means "over whatever is there" (re-apply). */
export type Queued = {
  draft: string
  base: string | null
  /** The session it was typed in, closed while offline: its unanswered save goes first. */
  from?: EditingState
}

export function session(shapeId: string, token: number, text: string, baseVersion: number): EditingState {
  return { shapeId, token, draft: text, saved: text, baseVersion, status: 'editing', offline: false }
}

export type TextSaverContext = {
  commit(
    request: CommitRequest,
    label: string,
    satisfied: (r: CommitResult) => boolean,
  ): Promise<CommitResult>
  drafts: Pick<DraftStore, 'clear'>
  /** Gives the shape's lease back. */
  release(shapeId: string): void
  /** The session lost its lease (or its text was refused): tell the user, keeping the draft. */
  lost(ed: EditingState, why: string): void
  onChange(): void
  /** The session an editor shows now (its pending debounced save is covered by a save). */
  current(): EditingState | null
  /** A commit of the session's text was sent, over `before` (the undo history records it). */
  onCommit?(ed: EditingState, before: string, text: string, answer: Promise<CommitResult>): void
}

/**
 * Commits of a text session's draft under its lease's fencing token: debounced while typing, one
 * at a time, the draft store cleared once the server has the text.
 */
export class TextSaver {
  private timer: ReturnType<typeof setTimeout> | null = null
  private inFlight: Promise<void> | null = null

  constructor(private readonly ctx: TextSaverContext) {}

  /** A save is waiting for typing to pause. */
  get scheduled(): boolean {
    return this.timer !== null
  }

  schedule(run: () => void, ms: number): void {
    this.cancel()
    this.timer = setTimeout(run, ms)
  }

  /** Resolves once no commit is in flight. */
  async settled(): Promise<void> {
    while (this.inFlight) await this.inFlight
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  /** Commits the session's draft (one commit at a time; the latest draft wins). */
  async save(ed: EditingState): Promise<void> {
    if (ed === this.ctx.current()) this.cancel()
    while (this.inFlight) await this.inFlight
    if (ed.status !== 'editing' || ed.offline) return
    if (ed.draft === ed.saved) {
      this.ctx.drafts.clear(ed.shapeId, ed.draft)
      return
    }
    const text = ed.draft
    this.inFlight = (async () => {
      const answer = this.ctx.commit(
        {
          opId: newOpId(),
          ops: [{ shapeId: ed.shapeId, field: 'text', baseVersion: ed.baseVersion, value: text }],
          token: ed.token,
        },
        'text edit',
        // Reported here, with the draft, instead of as a generic notice.
        () => true,
      )
      this.ctx.onCommit?.(ed, ed.saved, text, answer)
      const result = await answer
      if (result.status === 'ok') {
        ed.saved = text
        ed.baseVersion = result.versions[0]!
        this.ctx.drafts.clear(ed.shapeId, text)
      } else if (ed.status === 'editing') {
        ed.status = 'lost'
        this.ctx.release(ed.shapeId)
        this.ctx.lost(
          ed,
          result.status === 'error' ? 'the server refused your text' : `${result.by} changed it`,
        )
      }
    })()
    try {
      await this.inFlight
    } finally {
      this.inFlight = null
      this.ctx.onChange()
    }
    if (ed.status === 'editing' && ed.draft !== ed.saved) await this.save(ed)
  }
}
