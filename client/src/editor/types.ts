import type { Awareness } from 'y-protocols/awareness'
import type { CommitOp, CommitRequest, CommitResult, CrdtProps } from '@easel/shared'
import type { Box, Vec } from './geometry.ts'
import type { Tool, ToolContext, ToolId } from './tools/index.ts'

/** Transaction origin of this user's own edits: the only origin the undo manager tracks. */
export const LOCAL_ORIGIN = Object.freeze({ kind: 'local' as const })
/**
 * Origin of creating a shape (and drawing it out): not tracked by the undo manager, because undoing
 * a creation is a versioned delete (the server refuses plain removals of shapes).
 */
export const CREATE_ORIGIN = Object.freeze({ kind: 'local-create' as const })

export type User = { id: string; name: string; color: string }

/** What this user publishes through awareness; others read it as {@link Peer}. */
export type PresenceState = {
  user: User
  cursor: Vec | null
  selection: string[]
  /** Page-space rectangle this user sees, so others can follow them. */
  viewport: Box | null
}
export type Peer = PresenceState & { clientId: number }

export type Style = Pick<CrdtProps, 'stroke' | 'fill' | 'strokeWidth' | 'opacity'>
export const DEFAULT_STYLE: Style = { stroke: '#1e1e1e', fill: 'transparent', strokeWidth: 2, opacity: 1 }

/** Clipboard payload: shapes as plain JSON, recognisable when pasted into any board. */
export type ClipboardData = { type: 'easel/shapes'; shapes: (CrdtProps & { id: string; text?: string })[] }

/** How the editor reaches the commit authority (a queue in the browser, a fake in tests). */
export type CommitPort = {
  submit(request: CommitRequest, label: string): Promise<CommitResult>
  /** Ops of commits not answered yet: shown optimistically, also after a reload. */
  pending(): CommitOp[]
  subscribe(listener: () => void): () => void
}

/** Something the user must be told: a conflict, a refused action, a lost lock. */
export type Notice = {
  id: number
  kind: 'conflict' | 'locked' | 'error' | 'lease-lost' | 'info'
  shapeId: string | null
  text: string
  /** Buttons offered with the notice (e.g. "Delete anyway"). */
  actions: { label: string; run: () => void }[]
  /** Text the user typed that could not be saved, offered to copy or re-apply. */
  draft?: string
  /** Runs when the user dismisses the notice (not when one of its actions closes it). */
  onDismiss?: () => void
}

/** A tier-1 write: props for one shape. */
export type ShapeUpdate = { id: string; props: Partial<CrdtProps> }

/** Props whose change moves a shape's outline (and so the arrows attached to it). */
export const GEOMETRY_PROPS = ['x', 'y', 'w', 'h', 'rotation', 'points'] as const

export type EditorOptions = {
  user: User
  commits?: CommitPort
  awareness?: Awareness
  /** Runs `cb` before the next frame; injected so tests can flush by hand. */
  scheduleFrame?: (cb: () => void) => void
  /**
   * Minimum interval between document writes during a gesture (default 33 ms, ~30 Hz): the local
   * view updates every frame, the network sees at most this rate, so 20 people dragging at once
   * stay smooth for everyone.
   */
  liveWriteIntervalMs?: number
  /** Minimum interval between awareness publications, in ms (~30 Hz). */
  presenceIntervalMs?: number
  /** Builds the tools (default: the stock tools of tools/index.ts); tests pass their own. */
  tools?: (ctx: ToolContext) => Record<ToolId, Tool>
}
