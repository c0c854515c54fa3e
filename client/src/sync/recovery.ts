import type * as Y from 'yjs'
import {
  type CommitRequest,
  type CommitResult,
  type CrdtProps,
  crdtProps,
  insertShape,
  newOpId,
  readShapes,
  SHAPE_ID_PATTERN,
  type Shape,
  type ShapeKind,
} from '@easel/shared'
import { CREATE_ORIGIN } from '../editor/Editor.ts'
import { type BoardFile, parseBoardFile } from '../editor/exportBoard.ts'
import { type KeyValueStorage, roomStorageKeys } from './roomStorage.ts'

/**
 * "Reload from the server" keeps the local board as a stash (the JSON board file) and, once the
 * fresh board has synced, re-applies it through normal operations. This module holds the stash
 * and the merge; the UI only asks and reports.
 */

export type StashedShape = BoardFile['shapes'][number]

/** Keeps the board file for after the reload; false when the browser refuses it (too big). */
export function writeStash(storage: KeyValueStorage, room: string, boardJson: string): boolean {
  try {
    storage.setItem(roomStorageKeys(room).recovered, boardJson)
    return true
  } catch {
    return false
  }
}

/** The stashed shapes, or null when there is no stash (an unreadable one is dropped: it cannot help). */
export function readStash(storage: KeyValueStorage, room: string): StashedShape[] | null {
  const key = roomStorageKeys(room).recovered
  const raw = storage.getItem(key)
  if (raw === null) return null
  try {
    return parseBoardFile(raw).shapes
  } catch {
    storage.removeItem(key)
    return null
  }
}

export function deleteStash(storage: KeyValueStorage, room: string): void {
  storage.removeItem(roomStorageKeys(room).recovered)
}

export type TextDifference = { id: string; kind: ShapeKind; mine: string; theirs: string }

export type RecoveryPlan = {
  /** Not on the server: re-created with the same id and props (text committed as its first version). */
  create: StashedShape[]
  /** On the server with other tier-1 values: the stash's values are written. */
  update: { id: string; props: Partial<CrdtProps> }[]
  /** Text is versioned and leased, so it is never overwritten: the user is shown both. */
  textDiffers: TextDifference[]
  /** Deleted on the server since: restoring is a decision the user makes on the board. */
  deletedOnServer: string[]
  /** Unreadable on the server (left alone rather than overwritten), or an id no board accepts. */
  unreadable: string[]
}

/** Props that say what a shape is, not how it looks: a differing value is not an edit to re-apply. */
const IDENTITY_PROPS = new Set<string>(['kind', 'createdBy'])
const TIER1_KEYS = (Object.keys(crdtProps.shape) as (keyof CrdtProps)[]).filter((k) => !IDENTITY_PROPS.has(k))

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i])
  return a === b
}

/** Compares the stash with the board as the server has it (`readShapes(doc)`, deleted shapes included). */
export function planRecovery(
  stash: readonly StashedShape[],
  server: { shapes: readonly Shape[]; invalid: readonly { id: string }[] },
): RecoveryPlan {
  const byId = new Map(server.shapes.map((s) => [s.id, s]))
  const invalid = new Set(server.invalid.map((s) => s.id))
  const plan: RecoveryPlan = { create: [], update: [], textDiffers: [], deletedOnServer: [], unreadable: [] }
  for (const mine of stash) {
    const theirs = byId.get(mine.id)
    if (invalid.has(mine.id) || !SHAPE_ID_PATTERN.test(mine.id)) plan.unreadable.push(mine.id)
    else if (!theirs) plan.create.push(mine)
    else if (theirs.deleted) plan.deletedOnServer.push(mine.id)
    else {
      const props: Partial<CrdtProps> = {}
      for (const k of TIER1_KEYS) {
        if (mine[k] !== undefined && !sameValue(mine[k], theirs[k])) Object.assign(props, { [k]: mine[k] })
      }
      if (Object.keys(props).length > 0) plan.update.push({ id: mine.id, props })
      const text = mine.text ?? ''
      if (text !== theirs.text)
        plan.textDiffers.push({ id: mine.id, kind: theirs.kind, mine: text, theirs: theirs.text })
    }
  }
  return plan
}

/** What re-applying needs from the editor (an `Editor` is one). */
export type RecoveryTarget = {
  readonly doc: Y.Doc
  updateShapes(updates: { id: string; props: Partial<CrdtProps> }[]): void
  commit(request: CommitRequest, label: string): Promise<CommitResult>
}

/**
 * Re-applies the stash to the synced board and returns what was done. Missing shapes are plain
 * Yjs inserts (new ids are the client's to make) and their text a first-version commit, which
 * needs no lease; tier-1 differences are one undoable update; differing text is only reported.
 */
export function applyRecovery(target: RecoveryTarget, stash: readonly StashedShape[]): RecoveryPlan {
  const plan = planRecovery(stash, readShapes(target.doc))
  if (plan.create.length > 0) {
    // Not undoable, like any creation: removing a shape is a versioned delete.
    target.doc.transact(() => {
      for (const { id, text: _text, ...props } of plan.create) insertShape(target.doc, id, props)
    }, CREATE_ORIGIN)
    const ops = plan.create
      .filter((s) => s.text)
      .map((s) => ({ shapeId: s.id, field: 'text' as const, baseVersion: 0, value: s.text! }))
    // A refused commit is reported by the editor as a notice; nothing more to do here.
    if (ops.length > 0) target.commit({ opId: newOpId(), ops }, 're-apply text').catch(() => undefined)
  }
  if (plan.update.length > 0) target.updateShapes(plan.update)
  return plan
}
