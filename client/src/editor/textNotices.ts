import type { Shape } from '@easel/shared'
import { describe } from './Editor.ts'

/**
 * What the notices that keep a user's unsaved text say. Each ends by saying where the text is,
 * because the user's first question is "is my text gone?".
 */

/** Why a lease ended, as the end of "… because ___". */
const LOST_REASONS: Record<string, string> = {
  expired: 'it expired',
  idle: 'you had not typed for a while',
  superseded: 'someone else took it over',
  disconnected: 'you went offline',
}

/** Why a lease was refused, as a whole sentence. */
const REFUSED: Record<string, string> = {
  offline: 'You are offline, so the text cannot be edited now. Try again once you are connected.',
  'view-only': 'This board is view-only for you, so its text cannot be edited.',
}

const name = (shape: Pick<Shape, 'kind' | 'text'> | undefined) => (shape ? describe(shape) : 'the shape')

export const textNotice = {
  lostReason: (reason: string) => LOST_REASONS[reason] ?? reason,

  lost: (shape: Shape | undefined, why: string, nowEditing: string | null) =>
    `You lost the lock on ${name(shape)} because ${why}${nowEditing ? `, and ${nowEditing} is editing it now` : ''}. ` +
    'Your unsaved text was not written over anyone’s; it is kept below.',

  /** Someone changed the text between opening the editor (or going offline in it) and the grant. */
  changed: (shape: Shape, base: string, by: string | undefined, whileOffline: boolean) =>
    `${by || 'Someone'} changed the text of ${name({ ...shape, text: base })} while you were ` +
    `${whileOffline ? 'offline' : 'waiting for the lock'}, so your text was not written over theirs. It is kept below.`,

  held: (shape: Shape | undefined, holderName: string) =>
    `${holderName || 'Someone'} is editing ${name(shape)}, so what you typed was not written. It is kept below.`,

  refused: (reason: string) =>
    REFUSED[reason] ?? `The text cannot be edited now (the server said: ${reason}). Try again later.`,

  notSaved: 'What you typed was not saved; it is kept below.',

  deleted: 'The shape was deleted, so your text was not saved. It is kept below.',

  cancelled: 'You stopped waiting to re-apply your text. It is kept below.',
}
