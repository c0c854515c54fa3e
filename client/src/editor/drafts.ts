import type { KeyValueStorage } from '../sync/roomStorage.ts'
import type { Editor, Notice } from './Editor.ts'

/** Text typed into a shape that the server has not acknowledged yet, and what it was typed over. */
export type StoredDraft = { draft: string; baseText: string; baseVersion: number; at: number }

function isDraft(d: unknown): d is StoredDraft {
  const o = d as StoredDraft | null
  return (
    !!o &&
    typeof o.draft === 'string' &&
    typeof o.baseText === 'string' &&
    typeof o.baseVersion === 'number' &&
    typeof o.at === 'number'
  )
}

/**
 * Unsaved text per shape, kept in localStorage under one key per room (`easel:drafts:<room>`).
 * Written synchronously on every keystroke, so a closed tab, a crash or a killed browser keeps what
 * was typed; removed once the server has acknowledged exactly that text, or the user discarded it.
 * Storage failures (full, blocked) never stop typing: only the copy for after a reload is missing.
 */
export class DraftStore {
  readonly key: string

  constructor(
    room: string,
    private readonly storage: KeyValueStorage | null = globalThis.localStorage ?? null,
    private readonly now: () => number = Date.now,
  ) {
    this.key = `easel:drafts:${room}`
  }

  all(): Record<string, StoredDraft> {
    let raw: string | null = null
    try {
      raw = this.storage?.getItem(this.key) ?? null
    } catch {
      return {}
    }
    if (!raw) return {}
    try {
      const parsed: unknown = JSON.parse(raw)
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a map')
      // Entries that are not drafts are dropped one by one; the others are still worth offering.
      return Object.fromEntries(Object.entries(parsed).filter(([, d]) => isDraft(d)))
    } catch {
      this.write({})
      return {}
    }
  }

  get(shapeId: string): StoredDraft | undefined {
    return this.all()[shapeId]
  }

  put(shapeId: string, d: Omit<StoredDraft, 'at'>): void {
    this.write({ ...this.all(), [shapeId]: { ...d, at: this.now() } })
  }

  /** Forgets the shape's draft; with `ifDraft`, only while that is still the stored text. */
  clear(shapeId: string, ifDraft?: string): void {
    const all = this.all()
    const d = all[shapeId]
    if (!d || (ifDraft !== undefined && d.draft !== ifDraft)) return
    delete all[shapeId]
    this.write(all)
  }

  private write(all: Record<string, StoredDraft>): void {
    try {
      if (Object.keys(all).length === 0) this.storage?.removeItem(this.key)
      else this.storage?.setItem(this.key, JSON.stringify(all))
    } catch {
      // Quota or privacy mode: the draft is still in the editor and in any notice.
    }
  }
}

/** Shows text the user typed that was not saved, with "Re-apply my text" where that can work. */
export function offerDraft(
  editor: Editor,
  drafts: DraftStore,
  n: { kind: Notice['kind']; shapeId: string; text: string; draft: string; reapply?: () => void },
): Notice {
  const notice: Omit<Notice, 'id'> = {
    kind: n.kind,
    shapeId: n.shapeId,
    text: n.text,
    draft: n.draft,
    actions: n.reapply ? [{ label: 'Re-apply my text', run: n.reapply }] : [],
    // Dismissing means "let it go": do not offer it again after a reload (unless typed anew).
    onDismiss: () => drafts.clear(n.shapeId, n.draft),
  }
  return editor.notify(notice)
}
