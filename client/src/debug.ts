/**
 * The read-only testing and debugging surface the app installs as `window.__easel`. The end-to-end
 * suite and the render benchmark read the board through it (`@easel/client/debug.ts`).
 */
import type { Shape } from '@easel/shared'
import type { ConnectionState } from './sync/BoardSync.ts'

export type DebugVec = { x: number; y: number }

export type DebugPeer = { name: string; color: string; cursor: DebugVec | null; selection: string[] }

export type DebugNotice = { kind: string; shapeId: string | null; text: string }

export type DebugLock = { shapeId: string; holder: string; token: number; mine: boolean }

export type EaselDebug = {
  /** Every valid shape in paint order (a JSON copy). */
  shapes(): Shape[]
  presence(): DebugPeer[]
  connection(): ConnectionState & { pendingCommits: number }
  invalid(): { id: string; error: string }[]
  camera(): { x: number; y: number; z: number }
  /** Ids of the shapes this user has selected. */
  selection(): string[]
  /** Notices shown so far (also dismissed ones): kind, shape id, text. */
  notices(): DebugNotice[]
  /** Live leases: shape id, holder name, token (0 unless this user holds it), and whether this user holds it. */
  locks(): DebugLock[]
  /** Commits not yet answered by the server. */
  pendingCommits(): number
  /** Shapes deleted through a commit (kept in the document so they can be restored). */
  deletedShapes(): Shape[]
}

declare global {
  interface Window {
    __easel?: EaselDebug
  }
}
