import * as Y from 'yjs'
import { shapesMap } from '@easel/shared'
import { LOCAL_ORIGIN } from './types.ts'

/** Separate edits closer together than this merge into one undo step (gestures always are one). */
export const CAPTURE_TIMEOUT_MS = 400

type HistoryEntry =
  | { kind: 'crdt' }
  /**
   * A versioned action and how to revert it (inverse ops are computed when undoing); `created`:
   * the shapes it created.
   */
  | { kind: 'commit'; label: string; undo: () => void; redo: () => void; created?: readonly string[] }

/** A step recorded with {@link History.pushCommit}, to {@link History.discard} it. */
export type HistoryStep = object

/**
 * Per-user undo and redo: tier-1 edits through a Y.UndoManager that tracks only this user's origin,
 * versioned actions as entries that know how to revert themselves, in one order.
 */
export class History {
  readonly undoManager: Y.UndoManager
  private readonly undoStack: HistoryEntry[] = []
  private readonly redoStack: HistoryEntry[] = []
  /** Lengths of the undo stack when the last gesture began and ended. */
  private gestureStart = Number.POSITIVE_INFINITY
  private gestureEnd = -1

  constructor(
    doc: Y.Doc,
    private readonly onChange: () => void,
    /** The user did one thing: a new step (a gesture, a command) or an undo or redo. */
    private readonly onAction: () => void = () => {},
  ) {
    this.undoManager = new Y.UndoManager(shapesMap(doc), {
      trackedOrigins: new Set([LOCAL_ORIGIN]),
      captureTimeout: CAPTURE_TIMEOUT_MS,
    })
    this.undoManager.on('stack-item-added', this.onUndoItemAdded)
    this.undoManager.on('stack-item-added', onChange)
    this.undoManager.on('stack-item-popped', onChange)
  }

  /** A new local CRDT step (not one made by undo/redo itself) starts a new history entry. */
  private readonly onUndoItemAdded = (event: { type: 'undo' | 'redo'; origin: unknown }) => {
    if (event.type === 'undo' && event.origin !== this.undoManager) this.push({ kind: 'crdt' })
  }

  /** Records a versioned action as one undoable step. */
  pushCommit(label: string, undo: () => void, redo: () => void, created?: readonly string[]): HistoryStep {
    const entry: HistoryEntry = { kind: 'commit', label, undo, redo, created }
    this.push(entry)
    return entry
  }

  /** Whether the newest undo step created the shape (and so undoing it removes the shape). */
  createdLast(shapeId: string): boolean {
    const last = this.undoStack.at(-1)
    return last?.kind === 'commit' && !!last.created?.includes(shapeId)
  }

  /**
   * The newest undo step created exactly these shapes, which are now deleted again: it is dropped,
   * so undo goes on with what came before (true), instead of a "delete" step on top (false).
   */
  forgetCreation(ids: readonly string[]): boolean {
    const last = this.undoStack.at(-1)
    const created = last?.kind === 'commit' ? last.created : undefined
    if (!created || created.length !== ids.length || !ids.every((id) => created.includes(id))) return false
    this.discard(last as HistoryStep)
    return true
  }

  /** Forgets a step that turned out not to have happened (its commit was refused). */
  discard(step: HistoryStep): void {
    for (const stack of [this.undoStack, this.redoStack]) {
      const i = stack.indexOf(step as HistoryEntry)
      if (i >= 0) stack.splice(i, 1)
    }
    this.onChange()
  }

  /**
   * Records a versioned action that the last gesture led to (an arrow it detached) as part of that
   * gesture's step: undo reverts both. Without such a step it is a step of its own.
   */
  joinGesture(label: string, undo: () => void, redo: () => void): void {
    const top = this.undoStack.at(-1)
    const n = this.undoStack.length
    if (n <= this.gestureStart || n !== this.gestureEnd || top?.kind !== 'crdt') {
      this.pushCommit(label, undo, redo)
      return
    }
    this.undoStack[this.undoStack.length - 1] = {
      kind: 'commit',
      label,
      undo: () => {
        this.undoManager.undo()
        undo()
      },
      redo: () => {
        this.undoManager.redo()
        redo()
      },
    }
    this.onChange()
  }

  private push(entry: HistoryEntry): void {
    this.undoStack.push(entry)
    if (this.redoStack.length > 0) {
      this.redoStack.length = 0
      this.undoManager.clear(false, true)
    }
    this.onAction()
    this.onChange()
  }

  canUndo(): boolean {
    return this.undoStack.length > 0
  }

  canRedo(): boolean {
    return this.redoStack.length > 0
  }

  undo(): void {
    this.step(this.undoStack, this.redoStack, 'undo')
  }

  redo(): void {
    this.step(this.redoStack, this.undoStack, 'redo')
  }

  /** Reverts (or re-applies) the newest entry of `from` and moves it to `to`. */
  private step(from: HistoryEntry[], to: HistoryEntry[], direction: 'undo' | 'redo'): void {
    const entry = from.pop()
    if (!entry) return
    if (entry.kind === 'crdt') this.undoManager[direction]()
    else entry[direction]()
    to.push(entry)
    this.onAction()
    this.onChange()
  }

  /** Starts a gesture that must be one undo step, however long the user pauses during it. */
  beginGesture(): void {
    this.gestureStart = this.undoStack.length
    this.undoManager.stopCapturing()
    this.undoManager.captureTimeout = Number.POSITIVE_INFINITY
  }

  /** Ends it: the next edit starts a new step. */
  endGesture(): void {
    this.undoManager.captureTimeout = CAPTURE_TIMEOUT_MS
    this.undoManager.stopCapturing()
    this.gestureEnd = this.undoStack.length
  }

  destroy(): void {
    this.undoManager.destroy()
  }
}
