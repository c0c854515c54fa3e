import type { Shape } from '@easel/shared'
import { describe } from './Editor.ts'

/**
 * What the notices that keep a user's unsaved text say. Each ends by saying where the text is,
 * because the user's first question is "is my text gone?".
 */

const LOST_REASONS: Record<string, string> = {
  expired: 'it expired',
  idle: 'no typing for a while',
  superseded: 'someone else took it over',
  disconnected: 'you were offline',
}

const name = (shape: Pick<Shape, 'kind' | 'text'> | undefined) => (shape ? describe(shape) : 'the shape')

export const textNotice = {
  lostReason: (reason: string) => LOST_REASONS[reason] ?? reason,

  lost: (shape: Shape | undefined, why: string, nowEditing: string | null) =>
    `You lost the lock on ${name(shape)} (${why})${nowEditing ? `; ${nowEditing} is editing it now` : ''}. ` +
    'Your unsaved text was not written over anyone; it is kept below.',

  /** Someone changed the text between opening the editor (or going offline in it) and the grant. */
  changed: (shape: Shape, base: string, by: string | undefined, whileOffline: boolean) =>
    `${by || 'Someone'} changed the text of ${name({ ...shape, text: base })} while you were ` +
    `${whileOffline ? 'offline' : 'asking for the lock'}, so yours was not written over it. It is kept below.`,

  held: (shape: Shape | undefined, holderName: string) =>
    `${holderName} is editing ${name(shape)}, so what you typed was not written. It is kept below.`,

  refused: (reason: string) =>
    reason === 'offline'
      ? 'You are offline: text can be edited again once connected.'
      : `Cannot edit: ${reason}`,

  notSaved: 'What you typed was not saved; it is kept below.',

  deleted: 'The shape was deleted, so your text was not saved. It is kept below.',

  cancelled: 'You stopped waiting to re-apply your text; it is kept below.',
}
