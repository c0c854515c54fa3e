import { describe as suite, expect, it } from 'vitest'
import type { CommitResult, Shape } from '@easel/shared'
import { FakeRoom } from '../testing/FakeRoom.ts'
import { describe, type Editor } from './Editor.ts'
import { commitFailureText } from './notices.ts'
import { TextEditing } from './TextEditing.ts'
import { textNotice } from './textNotices.ts'
import { roomEditor, settle as settleRoom } from './testPeer.ts'

const note = { id: 'n1', kind: 'sticky', text: 'note' } as Shape
const rect = { id: 'r1', kind: 'rect', text: '' } as Shape
const arrow = { id: 'a1', kind: 'arrow', text: '' } as Shape
const byId = (id: string) => [note, rect, arrow].find((s) => s.id === id)

const conflict = (
  shapeId: string,
  field: 'deleted' | 'text' | 'binding' | 'parent',
  value: unknown,
  by = 'Bob',
) => ({ status: 'conflict', shapeId, field, value, by, version: 2, at: 0 }) as const
const sentence = (label: string, result: Exclude<CommitResult, { status: 'ok' }>) =>
  commitFailureText(label, result, byId, describe)

suite('conflict and refusal sentences', () => {
  it('a commit refused because the board is full says so', () => {
    const full = {
      status: 'error',
      code: 'too_large',
      message: 'the board is full: this change would pass its size limit',
    } as const
    expect(sentence('change the text', full)).toBe(
      "You could not change the text: this board is full (it reached the server's size limit), so the change was not saved.",
    )
  })

  it('a conflict says who did what first and what the user could not do', () => {
    expect(sentence('group 2 shapes', conflict('n1', 'deleted', true))).toBe(
      'Bob deleted the sticky note “note” before your change arrived, so you could not group 2 shapes.',
    )
    expect(sentence('delete the rectangle', conflict('r1', 'deleted', false))).toBe(
      'Bob restored the rectangle before your change arrived, so you could not delete it.',
    )
    expect(sentence('delete the sticky note “note”', conflict('n1', 'text', 'Budget'))).toBe(
      'Bob changed the text of the sticky note to “Budget” before your change arrived, so you could not delete the sticky note “note”.',
    )
    expect(sentence('delete the sticky note “note”', conflict('n1', 'text', 'x'.repeat(60)))).toBe(
      `Bob changed the text of the sticky note to “${'x'.repeat(40)}…” before your change arrived, so you could not delete the sticky note “note”.`,
    )
    expect(sentence('delete the sticky note “note”', conflict('n1', 'text', ''))).toBe(
      'Bob cleared the text of the sticky note before your change arrived, so you could not delete the sticky note “note”.',
    )
    expect(sentence('attach the arrow', conflict('a1', 'binding', { start: 'r1', end: null }))).toBe(
      'Bob re-attached the arrow before your change arrived, so you could not attach it.',
    )
    expect(sentence('attach the arrow', conflict('a1', 'binding', { start: null, end: null }))).toBe(
      'Bob detached the arrow before your change arrived, so you could not attach it.',
    )
    expect(sentence('ungroup 2 shapes', conflict('r1', 'parent', 'g1'))).toBe(
      'Bob grouped the rectangle with other shapes before your change arrived, so you could not ungroup 2 shapes.',
    )
    expect(sentence('undo the grouping', conflict('r1', 'parent', null))).toBe(
      'Bob ungrouped the rectangle before your change arrived, so you could not undo the grouping.',
    )
    // Who is unknown, and the shape is not known here (yet).
    expect(sentence('restore the shape', conflict('gone', 'deleted', true, ''))).toBe(
      'Someone deleted the shape before your change arrived, so you could not restore it.',
    )
  })

  it('a refusal because someone edits the shape names them', () => {
    const locked = (shapeId: string | undefined, holder?: string) =>
      ({ status: 'error', code: 'locked', message: 'locked', shapeId, holder }) as const
    expect(sentence('delete the sticky note “note”', locked('n1', 'Bob'))).toBe(
      'You could not delete the sticky note “note”, because Bob is editing it. Try again once they are done.',
    )
    expect(sentence('delete 3 shapes', locked('n1', 'Bob'))).toBe(
      'You could not delete 3 shapes, because Bob is editing the sticky note “note”. Try again once they are done.',
    )
    expect(sentence('delete 3 shapes', locked(undefined))).toBe(
      'You could not delete 3 shapes, because someone is editing the shape. Try again once they are done.',
    )
  })

  it('any other refusal gives the server’s reason', () => {
    const error = (message: string) => ({ status: 'error', code: 'invalid_value', message }) as const
    expect(sentence('group 2 shapes', error('grouping would create a cycle.'))).toBe(
      'You could not group 2 shapes: grouping would create a cycle.',
    )
    expect(sentence('paste text', error(''))).toBe('You could not paste text: the server refused it.')
  })
})

suite('lease sentences', () => {
  it('every outcome of a text edit under a lease reads as a whole sentence', () => {
    const n = { ...note, text: 'Plan' }
    expect(textNotice.lost(n, textNotice.lostReason('expired'), null)).toBe(
      'You lost the lock on the sticky note “Plan” because it expired. Your unsaved text was not written over anyone’s; it is kept below.',
    )
    expect(textNotice.lost(n, textNotice.lostReason('idle'), 'Bob')).toBe(
      'You lost the lock on the sticky note “Plan” because you had not typed for a while, and Bob is editing it now. Your unsaved text was not written over anyone’s; it is kept below.',
    )
    expect(textNotice.lostReason('superseded')).toBe('someone else took it over')
    expect(textNotice.lostReason('disconnected')).toBe('you went offline')
    expect(textNotice.lost(undefined, 'Bob changed it', null)).toBe(
      'You lost the lock on the shape because Bob changed it. Your unsaved text was not written over anyone’s; it is kept below.',
    )
    expect(textNotice.changed(n, 'Plan', 'Bob', true)).toBe(
      'Bob changed the text of the sticky note “Plan” while you were offline, so your text was not written over theirs. It is kept below.',
    )
    expect(textNotice.changed(n, 'Plan', undefined, false)).toBe(
      'Someone changed the text of the sticky note “Plan” while you were waiting for the lock, so your text was not written over theirs. It is kept below.',
    )
    expect(textNotice.held(n, 'Bob')).toBe(
      'Bob is editing the sticky note “Plan”, so what you typed was not written. It is kept below.',
    )
    expect(textNotice.refused('offline')).toBe(
      'You are offline, so the text cannot be edited now. Try again once you are connected.',
    )
    expect(textNotice.refused('view-only')).toBe(
      'This board is view-only for you, so its text cannot be edited.',
    )
    expect(textNotice.refused('unavailable')).toBe(
      'The text cannot be edited now (the server said: unavailable). Try again later.',
    )
    expect(textNotice.notSaved).toBe('What you typed was not saved; it is kept below.')
    expect(textNotice.deleted).toBe('The shape was deleted, so your text was not saved. It is kept below.')
    expect(textNotice.cancelled).toBe('You stopped waiting to re-apply your text. It is kept below.')
  })
})

suite('notices from real commits', () => {
  function setup() {
    const room = new FakeRoom()
    const [a, b] = ['A', 'B'].map((name) => {
      const { peer, editor } = roomEditor(room, name)
      return { editor, text: new TextEditing(editor, peer, 0) }
    }) as [{ editor: Editor; text: TextEditing }, { editor: Editor; text: TextEditing }]
    const settle = () => settleRoom(room)
    return { a, b, settle }
  }

  it('deleting a note someone edits: the sentence and a "Try again"', async () => {
    const { a, b, settle } = setup()
    const id = a.editor.createShape('sticky', { x: 0, y: 0, w: 200, h: 200 })
    await settle()
    b.text.start(id)
    await settle()
    a.editor.deleteShapes([id])
    await settle()
    const n = a.editor.notices.at(-1)!
    expect(n.text).toBe(
      'You could not delete the sticky note, because B is editing it. Try again once they are done.',
    )
    expect(n.actions.map((x) => x.label)).toEqual(['Try again'])
  })

  it('grouping shapes someone grouped meanwhile: the sentence and "Group anyway"', async () => {
    const { a, b, settle } = setup()
    const r1 = a.editor.createShape('rect', { x: 0, y: 0, w: 50, h: 50 })
    const r2 = a.editor.createShape('rect', { x: 100, y: 0, w: 50, h: 50 })
    await settle()
    // B's grouping is decided first; A groups the same shapes without having seen it.
    b.editor.select([r1, r2])
    b.editor.groupSelected()
    a.editor.select([r1, r2])
    a.editor.groupSelected()
    await settle()
    const n = a.editor.notices.at(-1)!
    expect(n.text).toBe(
      'B grouped the rectangle with other shapes before your change arrived, so you could not group 2 shapes.',
    )
    expect(n.actions.map((x) => x.label)).toEqual(['Group anyway'])
  })
})
