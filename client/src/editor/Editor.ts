import type { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import {
  type CommitOp,
  type CommitRequest,
  type CommitResult,
  type CrdtProps,
  crdtProps,
  insertShape,
  newOpId,
  newShapeId,
  type VersionedField,
  type VersionedValues,
  readShape,
  type Shape,
  type ShapeKind,
  shapesMap,
  versionedMap,
  zBetween,
  zBetweenN,
} from '@easel/shared'
import {
  arrowGeometry,
  type Box,
  boxesIntersect,
  type Camera,
  fitCamera,
  screenToPage,
  unionBoxes,
  type Vec,
  viewportBox,
  zoomAt,
} from './geometry.ts'
import { hitTest, kindLabel, shapeBounds, shapeUtil } from '../shapes/index.ts'
import { createTools, type PointerInfo, type Tool, type ToolId } from './tools/index.ts'

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

type HistoryEntry =
  | { kind: 'crdt' }
  /** A versioned action and how to revert it (inverse ops are computed when undoing). */
  | { kind: 'commit'; label: string; undo: () => void; redo: () => void }

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
}

/**
 * The editor's state and operations, free of React and Konva: shapes read from the Y.Doc, camera,
 * selection, tools, per-user undo and presence. The canvas feeds it normalised pointer events and
 * renders what it exposes; tests drive it directly.
 */
export class Editor {
  readonly doc: Y.Doc
  readonly user: User
  readonly undoManager: Y.UndoManager
  readonly awareness: Awareness | null
  readonly tools: Record<ToolId, Tool>

  /** Valid, not deleted shapes by id, with local overrides applied. */
  private shapes = new Map<string, Shape>()
  private ordered: Shape[] = []
  private orderDirty = true
  /** Invalid shapes seen in the document, reported instead of rendered. */
  invalid = new Map<string, string>()

  camera: Camera = { x: 0, y: 0, z: 1 }
  viewportSize = { w: 1024, h: 768 }
  selectedIds: ReadonlySet<string> = new Set()
  currentToolId: ToolId = 'select'
  style: Style = { ...DEFAULT_STYLE }
  /** Tool keeps creating shapes instead of returning to select. */
  toolLocked = false
  /** Peer this user follows (their viewport drives our camera), by awareness client id. */
  followingId: number | null = null
  peers: Peer[] = []
  /** Set by the text-editing layer: a text or sticky shape was placed (to start editing it). */
  onTextShapeCreated?: (id: string) => void
  readonly commits: CommitPort | null
  /** Notices currently shown, and every notice shown so far (for tests). */
  notices: Notice[] = []
  readonly noticeLog: Omit<Notice, 'actions' | 'onDismiss'>[] = []
  private nextNoticeId = 1
  /** Versioned values of commits in flight, by shape: shown until the server answers. */
  private pendingValues = new Map<string, Partial<VersionedValues>>()
  private readonly undoHistory: HistoryEntry[] = []
  /** Shapes created in the current gesture: their writes are part of the creation step. */
  private readonly creating = new Set<string>()
  private readonly redoHistory: HistoryEntry[] = []

  /**
   * Local overrides of tier-1 props during a gesture (drag, resize, drawing). Rendered instead of
   * the document's values, so a remote write to the same shape never makes it jump under the
   * pointer; written to the document at most once per frame.
   */
  private overrides = new Map<string, Partial<CrdtProps>>()
  private pendingWrites = new Map<string, Partial<CrdtProps>>()
  private frameScheduled = false
  private lastLiveWrite = Number.NEGATIVE_INFINITY
  private readonly liveWriteIntervalMs: number
  private readonly scheduleFrame: (cb: () => void) => void

  private version = 0
  /** Bumped whenever a shape's rendered value changes; lets the canvas skip work otherwise. */
  shapesVersion = 0
  private readonly listeners = new Set<() => void>()
  private presenceTimer: ReturnType<typeof setTimeout> | null = null
  private lastPresenceAt = 0
  private readonly presenceIntervalMs: number
  private cursor: Vec | null = null

  constructor(doc: Y.Doc, options: EditorOptions) {
    this.doc = doc
    this.user = options.user
    this.awareness = options.awareness ?? null
    this.presenceIntervalMs = options.presenceIntervalMs ?? 33
    this.liveWriteIntervalMs = options.liveWriteIntervalMs ?? 33
    this.scheduleFrame =
      options.scheduleFrame ??
      ((cb) =>
        typeof requestAnimationFrame === 'function' ? requestAnimationFrame(() => cb()) : setTimeout(cb, 16))
    this.undoManager = new Y.UndoManager(shapesMap(doc), {
      trackedOrigins: new Set([LOCAL_ORIGIN]),
      captureTimeout: CAPTURE_TIMEOUT_MS,
    })
    this.tools = createTools(this)
    this.commits = options.commits ?? null
    if (this.commits) {
      this.commits.subscribe(this.onPendingChanged)
      this.recomputePending()
    }
    this.undoManager.on('stack-item-added', this.onUndoItemAdded)
    this.readAll()
    shapesMap(doc).observeDeep(this.onShapesChanged)
    versionedMap(doc).observe(this.onVersionedChanged)
    this.undoManager.on('stack-item-added', this.emit)
    this.undoManager.on('stack-item-popped', this.emit)
    if (this.awareness) {
      this.awareness.on('change', this.onAwarenessChange)
      this.publishPresence(true)
    }
  }

  // ---------------------------------------------------------------- store

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getVersion = (): number => this.version

  /** Tells subscribers (React) that something they show changed. */
  readonly notifyChange = (): void => this.emit()

  private readonly emit = () => {
    this.version++
    for (const l of this.listeners) l()
  }

  private readShapeFromDoc(id: string): void {
    this.shapesVersion++
    const map = shapesMap(this.doc).get(id)
    if (!map) {
      this.shapes.delete(id)
      this.invalid.delete(id)
      this.orderDirty = true
      return
    }
    const props = map instanceof Y.Map ? map.toJSON() : map
    const result = readShape(id, props, versionedMap(this.doc))
    if (!result.ok) {
      if (!this.invalid.has(id)) console.warn(`skipping invalid shape ${id}: ${result.error}`)
      this.invalid.set(id, result.error)
      this.shapes.delete(id)
      this.orderDirty = true
      return
    }
    this.invalid.delete(id)
    const pending = this.pendingValues.get(id)
    const shape = pending ? { ...result.shape, ...pending } : result.shape
    if (shape.deleted) {
      this.shapes.delete(id)
      this.orderDirty = true
      return
    }
    const prev = this.shapes.get(id)
    const override = this.overrides.get(id)
    const next = override ? { ...shape, ...override } : shape
    if (!prev || prev.z !== next.z) this.orderDirty = true
    this.shapes.set(id, next)
  }

  private readAll(): void {
    this.shapes.clear()
    this.invalid.clear()
    for (const id of shapesMap(this.doc).keys()) this.readShapeFromDoc(id)
    this.orderDirty = true
  }

  private readonly onShapesChanged = (events: Y.YEvent<Y.AbstractType<unknown>>[]) => {
    const changed = new Set<string>()
    for (const event of events) {
      if (event.target === shapesMap(this.doc)) {
        for (const key of event.changes.keys.keys()) changed.add(key)
      } else {
        const id = event.path[0]
        if (typeof id === 'string') changed.add(id)
      }
    }
    for (const id of changed) this.readShapeFromDoc(id)
    this.dropMissingFromSelection()
    this.emit()
  }

  private readonly onVersionedChanged = (event: Y.YMapEvent<unknown>) => {
    for (const key of event.keysChanged) {
      const id = key.slice(0, key.lastIndexOf(':'))
      this.readShapeFromDoc(id)
    }
    this.dropMissingFromSelection()
    this.emit()
  }

  private dropMissingFromSelection(): void {
    if ([...this.selectedIds].some((id) => !this.shapes.has(id))) {
      this.selectedIds = new Set([...this.selectedIds].filter((id) => this.shapes.has(id)))
      this.publishPresence()
    }
  }

  /** Shapes in paint order (lowest z first). */
  getShapes(): readonly Shape[] {
    if (this.orderDirty) {
      this.ordered = [...this.shapes.values()].sort((a, b) =>
        a.z < b.z ? -1 : a.z > b.z ? 1 : a.id < b.id ? -1 : 1,
      )
      this.orderDirty = false
    } else {
      // Same order, fresh objects: replace stale entries in place.
      for (let i = 0; i < this.ordered.length; i++) {
        const s = this.shapes.get(this.ordered[i]!.id)
        if (s) this.ordered[i] = s
      }
    }
    return this.ordered
  }

  getShape(id: string): Shape | undefined {
    return this.shapes.get(id)
  }

  getSelectedShapes(): Shape[] {
    return [...this.selectedIds].map((id) => this.shapes.get(id)).filter((s): s is Shape => !!s)
  }

  /** Topmost shape under a page point. */
  shapeAt(p: Vec, filter: (s: Shape) => boolean = () => true): Shape | undefined {
    const shapes = this.getShapes()
    const tolerance = 4 / this.camera.z
    for (let i = shapes.length - 1; i >= 0; i--) {
      const s = shapes[i]!
      if (filter(s) && hitTest(s, p, tolerance)) return s
    }
    return undefined
  }

  shapesInBox(box: Box): Shape[] {
    return this.getShapes().filter((s) => boxesIntersect(shapeBounds(s), box))
  }

  // ---------------------------------------------------------------- writing

  private transact(fn: () => void, origin: object = LOCAL_ORIGIN): void {
    this.doc.transact(fn, origin)
  }

  /** Without a commit authority (tier-1 tests), creations are plain undoable Yjs edits. */
  private get createOrigin(): object {
    return this.commits ? CREATE_ORIGIN : LOCAL_ORIGIN
  }

  /** Z index above every current shape. */
  private topZ(): string {
    const shapes = this.getShapes()
    return zBetween(shapes.length ? shapes[shapes.length - 1]!.z : null, null)
  }

  createShape(kind: ShapeKind, props: Partial<CrdtProps> & Vec): string {
    const id = newShapeId()
    const base: CrdtProps = {
      kind,
      w: 0,
      h: 0,
      rotation: 0,
      z: this.topZ(),
      ...this.style,
      ...shapeUtil(kind).defaults,
      createdBy: this.user.id,
      ...props,
    }
    insertShape(this.doc, id, base, this.createOrigin)
    this.creating.add(id)
    return id
  }

  /** Records the shapes created since the last call as one undoable step (undo = versioned delete). */
  private recordCreation(ids: string[]): void {
    for (const id of ids) this.creating.delete(id)
    if (!this.commits || ids.length === 0) return
    const label = ids.length === 1 ? 'remove the new shape' : `remove ${ids.length} new shapes`
    this.pushHistory({
      kind: 'commit',
      label,
      undo: () => this.setDeleted(ids, true, label),
      redo: () => this.setDeleted(ids, false, 'bring the shape back'),
    })
  }

  /** Writes tier-1 props now (one transaction, one undo step). Invalid values are refused. */
  updateShapes(updates: { id: string; props: Partial<CrdtProps> }[]): void {
    const valid = updates.filter(({ id, props }) => {
      const shape = this.shapes.get(id)
      if (!shape) return false
      const check = crdtProps.safeParse({ ...shape, ...props })
      if (!check.success) console.warn(`refusing invalid update to ${id}`, check.error)
      return check.success
    })
    if (valid.length === 0) return
    // Arrows attached to moved shapes follow them, in the same transaction.
    const moved = valid.filter((u) => GEOMETRY_PROPS.some((k) => k in u.props)).map((u) => u.id)
    if (moved.length > 0) {
      const after = new Map(valid.map((u) => [u.id, { ...this.shapes.get(u.id)!, ...u.props }]))
      valid.push(...this.arrowsFollowing(moved, after).filter((u) => !after.has(u.id)))
    }
    const creating = valid.every((u) => this.creating.has(u.id))
    this.transact(
      () => {
        for (const { id, props } of valid) {
          const map = shapesMap(this.doc).get(id)
          if (!map) continue
          for (const [k, v] of Object.entries(props)) {
            if (v !== undefined && map.get(k) !== v) map.set(k, v)
          }
        }
      },
      creating ? this.createOrigin : LOCAL_ORIGIN,
    )
  }

  /**
   * Shows props locally right away and writes them at the next frame, coalescing many pointer
   * events into one document update per frame.
   */
  setLive(id: string, props: Partial<CrdtProps>): void {
    if (!this.setLocal(id, props)) return
    this.pendingWrites.set(id, { ...this.pendingWrites.get(id), ...props })
    if (GEOMETRY_PROPS.some((k) => k in props)) {
      for (const u of this.arrowsFollowing([id])) {
        this.setLocal(u.id, u.props)
        this.pendingWrites.set(u.id, { ...this.pendingWrites.get(u.id), ...u.props })
      }
    }
    if (!this.frameScheduled) {
      this.frameScheduled = true
      this.scheduleFrame(() => this.flushFrame())
    }
  }

  /** Shows props locally only (until {@link setLive} or {@link endLive} writes them). */
  setLocal(id: string, props: Partial<CrdtProps>): boolean {
    const shape = this.shapes.get(id)
    if (!shape) return false
    this.overrides.set(id, { ...this.overrides.get(id), ...props })
    this.shapes.set(id, { ...shape, ...props })
    this.shapesVersion++
    this.emit()
    return true
  }

  /** Writes the pending live props (called by the frame scheduler; `force` at the end of a gesture). */
  flushFrame(force = false): void {
    this.frameScheduled = false
    if (this.pendingWrites.size === 0) return
    const now = performance.now()
    if (!force && now - this.lastLiveWrite < this.liveWriteIntervalMs) {
      this.frameScheduled = true
      this.scheduleFrame(() => this.flushFrame())
      return
    }
    this.lastLiveWrite = now
    const updates = [...this.pendingWrites].map(([id, props]) => ({ id, props }))
    this.pendingWrites.clear()
    this.updateShapes(updates)
  }

  /** Ends a gesture: writes what is pending and drops the local overrides. */
  endLive(): void {
    for (const [id, props] of this.overrides) {
      this.pendingWrites.set(id, { ...props, ...this.pendingWrites.get(id) })
    }
    this.flushFrame(true)
    const ids = [...this.overrides.keys()]
    this.overrides.clear()
    for (const id of ids) this.readShapeFromDoc(id)
    this.undoManager.captureTimeout = CAPTURE_TIMEOUT_MS
    this.undoManager.stopCapturing()
    this.emit()
  }

  /** Starts a gesture that must be one undo step, however long the user pauses during it. */
  beginGesture(): void {
    this.undoManager.stopCapturing()
    this.undoManager.captureTimeout = Number.POSITIVE_INFINITY
  }

  /**
   * Deletes shapes through a versioned commit (deletion is not mergeable): hidden at once, and if
   * someone changed one of them meanwhile (its text, binding or group) the user is told and the
   * shapes come back. Without a commit port (tests of tier 1 alone) the Yjs entries are removed.
   */
  deleteShapes(ids: Iterable<string>): void {
    const shapes = [...ids].map((id) => this.shapes.get(id)).filter((s): s is Shape => !!s)
    if (shapes.length === 0) return
    this.select([])
    if (!this.commits) {
      this.transact(() => {
        for (const s of shapes) shapesMap(this.doc).delete(s.id)
      })
      return
    }
    const ids2 = shapes.map((s) => s.id)
    for (const id of ids2) this.creating.delete(id)
    const label = shapes.length === 1 ? `delete ${describe(shapes[0]!)}` : `delete ${shapes.length} shapes`
    this.setDeleted(ids2, true, label)
    this.pushHistory({
      kind: 'commit',
      label,
      undo: () =>
        this.setDeleted(ids2, false, `restore ${shapes.length === 1 ? describe(shapes[0]!) : 'shapes'}`),
      redo: () => this.setDeleted(ids2, true, label),
    })
  }

  /** Geometry updates for arrows attached to any of `ids`, given shapes' (possibly future) state. */
  private arrowsFollowing(
    ids: string[],
    state: Map<string, Shape> = new Map(),
  ): { id: string; props: Partial<CrdtProps> }[] {
    const moved = new Set(ids)
    const get = (id: string) => state.get(id) ?? this.shapes.get(id)
    const out: { id: string; props: Partial<CrdtProps> }[] = []
    for (const arrow of this.shapes.values()) {
      if (arrow.kind !== 'arrow') continue
      const { start, end } = arrow.binding
      if (!(start && moved.has(start)) && !(end && moved.has(end))) continue
      const s = start ? get(start) : undefined
      const e = end ? get(end) : undefined
      const geo = arrowGeometry(get(arrow.id) ?? arrow, s ? shapeBounds(s) : null, e ? shapeBounds(e) : null)
      out.push({ id: arrow.id, props: geo })
    }
    return out
  }

  /** Attaches a freshly drawn arrow's ends to the shapes under them (a versioned binding). */
  bindArrowEnds(arrowId: string): void {
    const arrow = this.shapes.get(arrowId)
    if (arrow?.kind !== 'arrow' || !arrow.points) return
    const target = (x: number, y: number) => {
      const hit = this.shapeAt({ x, y }, (s) => s.id !== arrowId && s.kind !== 'arrow' && s.kind !== 'line')
      return hit?.id ?? null
    }
    const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = arrow.points
    const binding = { start: target(arrow.x + x0, arrow.y + y0), end: target(arrow.x + x1, arrow.y + y1) }
    if (!binding.start && !binding.end) return
    this.setBinding(arrowId, binding)
  }

  /** Commits an arrow's binding and snaps it to its shapes; a concurrent rebinding is reported. */
  setBinding(arrowId: string, binding: { start: string | null; end: string | null }): void {
    const arrow = this.readCommitted(arrowId)
    if (!arrow || !this.commits) return
    const s = binding.start ? this.shapes.get(binding.start) : undefined
    const e = binding.end ? this.shapes.get(binding.end) : undefined
    this.updateShapes([
      { id: arrowId, props: arrowGeometry(arrow, s ? shapeBounds(s) : null, e ? shapeBounds(e) : null) },
    ])
    const before = arrow.binding
    const base = arrow.versions.binding
    this.commit(
      {
        opId: newOpId(),
        ops: [{ shapeId: arrowId, field: 'binding', baseVersion: base, value: binding }],
      },
      'arrow attachment',
      (r) => {
        if (r.status !== 'conflict' || r.field !== 'binding') return false
        // Rebase: if the other user changed only the other end, our end still applies on top.
        const theirs = r.value as { start: string | null; end: string | null }
        const merged = {
          start: binding.start !== before.start ? binding.start : theirs.start,
          end: binding.end !== before.end ? binding.end : theirs.end,
        }
        const clash =
          (binding.start !== before.start &&
            theirs.start !== before.start &&
            theirs.start !== binding.start) ||
          (binding.end !== before.end && theirs.end !== before.end && theirs.end !== binding.end)
        if (clash) return false
        void this.commits!.submit(
          {
            opId: newOpId(),
            ops: [{ shapeId: arrowId, field: 'binding', baseVersion: r.version, value: merged }],
          },
          'arrow attachment',
        )
        return true
      },
      () => this.setBinding(arrowId, binding),
    )
  }

  /** After a move: arrows moved without the shapes they are attached to come loose. */
  detachMovedArrows(ids: Iterable<string>): void {
    const moved = new Set(ids)
    for (const id of moved) {
      const s = this.shapes.get(id)
      if (s?.kind !== 'arrow') continue
      const { start, end } = s.binding
      const keep = {
        start: start && moved.has(start) ? start : null,
        end: end && moved.has(end) ? end : null,
      }
      if (keep.start !== start || keep.end !== end) this.setBinding(id, keep)
    }
  }

  /** The ids plus every shape sharing a group with one of them (clicking one selects its group). */
  withGroups(ids: Iterable<string>): string[] {
    const out = new Set(ids)
    const groups = new Set([...out].map((id) => this.shapes.get(id)?.parent).filter((g): g is string => !!g))
    if (groups.size === 0) return [...out]
    for (const s of this.shapes.values()) if (s.parent && groups.has(s.parent)) out.add(s.id)
    return [...out]
  }

  /** Groups the selection (a versioned change: all shapes join the group or none does). */
  groupSelected(): void {
    const shapes = this.getSelectedShapes()
    if (shapes.length < 2) return
    this.setParents(
      shapes.map((s) => s.id),
      `g${newShapeId()}`,
      'group',
    )
  }

  ungroupSelected(): void {
    const shapes = this.getSelectedShapes().filter((s) => s.parent)
    if (shapes.length > 0)
      this.setParents(
        shapes.map((s) => s.id),
        null,
        'ungroup',
      )
  }

  private setParents(ids: string[], parent: string | null, label: string): void {
    const before = new Map(ids.map((id) => [id, this.readCommitted(id)?.parent ?? null]))
    const apply = (target: (id: string) => string | null, what: string) => {
      const shapes = ids.map((id) => this.readCommitted(id)).filter((s): s is Shape => !!s && !s.deleted)
      if (shapes.length === 0) return
      this.commit(
        {
          opId: newOpId(),
          ops: shapes.map((s) => ({
            shapeId: s.id,
            field: 'parent',
            baseVersion: s.versions.parent,
            value: target(s.id),
          })),
        },
        what,
        () => false,
        () => apply(target, what),
      )
    }
    apply(() => parent, label)
    this.pushHistory({
      kind: 'commit',
      label,
      undo: () => apply((id) => before.get(id) ?? null, `undo ${label}`),
      redo: () => apply(() => parent, label),
    })
  }

  deleteSelected(): void {
    this.deleteShapes(this.selectedIds)
  }

  /** Commits `deleted = value` for shapes, expecting the versions of their other fields the user saw. */
  private setDeleted(ids: string[], value: boolean, label: string): void {
    const shapes = ids
      .map((id) => this.readCommitted(id))
      .filter((s): s is Shape => !!s && s.deleted !== value)
    if (shapes.length === 0) return
    this.commit(
      {
        opId: newOpId(),
        ops: shapes.map((s) => ({ shapeId: s.id, field: 'deleted', baseVersion: s.versions.deleted, value })),
        expect: shapes.flatMap((s) =>
          (['text', 'binding', 'parent'] as const).map((field) => ({
            shapeId: s.id,
            field,
            version: s.versions[field],
          })),
        ),
      },
      label,
      (result) => {
        if (result.status === 'conflict' && result.field === 'deleted' && result.value === value) return true
        return false
      },
      () => this.setDeleted(ids, value, label),
    )
  }

  /** The shape as the server last confirmed it (no optimistic values), deleted ones included. */
  readCommitted(id: string): Shape | undefined {
    const map = shapesMap(this.doc).get(id)
    if (!map) return undefined
    const r = readShape(id, map instanceof Y.Map ? map.toJSON() : map, versionedMap(this.doc))
    return r.ok ? r.shape : undefined
  }

  /**
   * Sends a commit and handles its answer. `satisfied` says whether a conflict still fulfils the
   * user's intent (then nothing is shown); `retry` is offered as the "anyway" action otherwise.
   */
  commit(
    request: CommitRequest,
    label: string,
    satisfied: (r: CommitResult) => boolean = () => false,
    retry?: () => void,
  ): Promise<CommitResult> {
    if (!this.commits) return Promise.reject(new Error('no commit authority'))
    const answer = this.commits.submit(request, label)
    void answer.then((result) => {
      if (result.status === 'ok' || satisfied(result)) return
      this.reportCommitFailure(label, result, retry)
    })
    return answer
  }

  /** Turns a refused commit into a notice the user can act on. */
  reportCommitFailure(label: string, result: CommitResult, retry?: () => void): void {
    if (result.status === 'ok') return
    if (result.status === 'conflict') {
      const shape = this.readCommitted(result.shapeId)
      const what = describeChange(result.field, result.value, shape)
      this.notify({
        kind: 'conflict',
        shapeId: result.shapeId,
        text: `${result.by || 'Someone'} ${what} before your ${label} arrived, so it was not applied.`,
        actions: retry ? [{ label: `${capitalize(label.split(' ')[0]!)} anyway`, run: retry }] : [],
      })
      return
    }
    if (result.code === 'locked') {
      this.notify({
        kind: 'locked',
        shapeId: result.shapeId ?? null,
        text: `${result.holder ?? 'Someone'} is editing this shape, so your ${label} was refused.`,
        actions: retry ? [{ label: 'Try again', run: retry }] : [],
      })
      return
    }
    this.notify({
      kind: 'error',
      shapeId: result.shapeId ?? null,
      text: `Could not ${label}: ${result.message}`,
      actions: [],
    })
  }

  notify(notice: Omit<Notice, 'id'>): Notice {
    const n = { ...notice, id: this.nextNoticeId++ }
    this.notices = [...this.notices, n]
    const { actions: _a, onDismiss: _d, ...logged } = n
    this.noticeLog.push(logged)
    this.emit()
    return n
  }

  dismissNotice(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id)
    this.emit()
  }

  private readonly onPendingChanged = () => {
    const before = new Set(this.pendingValues.keys())
    this.recomputePending()
    for (const id of new Set([...before, ...this.pendingValues.keys()])) this.readShapeFromDoc(id)
    this.dropMissingFromSelection()
    this.emit()
  }

  private recomputePending(): void {
    this.pendingValues = new Map()
    for (const op of this.commits?.pending() ?? []) {
      const v = this.pendingValues.get(op.shapeId) ?? {}
      ;(v as Record<VersionedField, unknown>)[op.field] = op.value
      this.pendingValues.set(op.shapeId, v)
    }
  }

  // ---------------------------------------------------------------- history

  /** A new local CRDT step (not one made by undo/redo itself) starts a new history entry. */
  private readonly onUndoItemAdded = (event: { type: 'undo' | 'redo'; origin: unknown }) => {
    if (event.type === 'undo' && event.origin !== this.undoManager) this.pushHistory({ kind: 'crdt' })
  }

  private pushHistory(entry: HistoryEntry): void {
    this.undoHistory.push(entry)
    if (this.redoHistory.length > 0) {
      this.redoHistory.length = 0
      this.undoManager.clear(false, true)
    }
    this.emit()
  }

  canUndo(): boolean {
    return this.undoHistory.length > 0
  }

  canRedo(): boolean {
    return this.redoHistory.length > 0
  }

  /** Undoes this user's last change (never anyone else's). */
  undo(): void {
    const entry = this.undoHistory.pop()
    if (!entry) return
    if (entry.kind === 'crdt') this.undoManager.undo()
    else entry.undo()
    this.redoHistory.push(entry)
    this.emit()
  }

  redo(): void {
    const entry = this.redoHistory.pop()
    if (!entry) return
    if (entry.kind === 'crdt') this.undoManager.redo()
    else entry.redo()
    this.undoHistory.push(entry)
    this.emit()
  }

  /** Copies of shapes shifted by `offset`, on top of everything, selected. */
  insertCopies(shapes: ClipboardData['shapes'], offset: Vec): string[] {
    const sorted = [...shapes].sort((a, b) => (a.z < b.z ? -1 : 1))
    const zs = zBetweenN(this.getShapes().at(-1)?.z ?? null, null, sorted.length)
    const ids: string[] = []
    const rows: [string, CrdtProps][] = []
    const texts: { id: string; text: string }[] = []
    sorted.forEach((s, i) => {
      const { id: _id, text, ...props } = s
      const parsed = crdtProps.safeParse({ ...props, x: s.x + offset.x, y: s.y + offset.y, z: zs[i] })
      if (!parsed.success) return
      const id = newShapeId()
      ids.push(id)
      rows.push([id, parsed.data])
      if (text) texts.push({ id, text })
    })
    // One transaction: the nested ones of insertShape join it.
    this.transact(() => {
      for (const [id, props] of rows) insertShape(this.doc, id, props)
    }, this.createOrigin)
    this.recordCreation(ids)
    // Text is versioned: the copies get theirs through a commit (their first value needs no lease).
    if (texts.length > 0 && this.commits) {
      void this.commit(
        {
          opId: newOpId(),
          ops: texts.map((t) => ({ shapeId: t.id, field: 'text' as const, baseVersion: 0, value: t.text })),
        },
        'paste text',
      )
    }
    this.select(ids)
    return ids
  }

  duplicateSelected(): void {
    const shapes = this.getSelectedShapes()
    if (shapes.length) this.insertCopies(shapes.map(toClipboardShape), { x: 16, y: 16 })
  }

  copySelection(): ClipboardData | null {
    const shapes = this.getSelectedShapes()
    return shapes.length ? { type: 'easel/shapes', shapes: shapes.map(toClipboardShape) } : null
  }

  /** Pastes clipboard shapes centred on `at` (page point), or offset from the originals. */
  paste(data: ClipboardData, at?: Vec): string[] {
    const box = unionBoxes(data.shapes.map((s) => shapeBounds(s)))
    if (!box) return []
    const offset = at ? { x: at.x - (box.x + box.w / 2), y: at.y - (box.y + box.h / 2) } : { x: 24, y: 24 }
    return this.insertCopies(data.shapes, offset)
  }

  bringToFront(): void {
    const sel = this.getSelectedShapes().sort((a, b) => (a.z < b.z ? -1 : 1))
    if (!sel.length) return
    const others = this.getShapes().filter((s) => !this.selectedIds.has(s.id))
    const zs = zBetweenN(others.at(-1)?.z ?? null, null, sel.length)
    this.updateShapes(sel.map((s, i) => ({ id: s.id, props: { z: zs[i]! } })))
  }

  sendToBack(): void {
    const sel = this.getSelectedShapes().sort((a, b) => (a.z < b.z ? -1 : 1))
    if (!sel.length) return
    const others = this.getShapes().filter((s) => !this.selectedIds.has(s.id))
    const zs = zBetweenN(null, others[0]?.z ?? null, sel.length)
    this.updateShapes(sel.map((s, i) => ({ id: s.id, props: { z: zs[i]! } })))
  }

  nudgeSelected(dx: number, dy: number): void {
    this.updateShapes(
      this.getSelectedShapes().map((s) => ({ id: s.id, props: { x: s.x + dx, y: s.y + dy } })),
    )
  }

  /** Sets the style for new shapes and applies it to the selection. */
  setStyle(patch: Partial<Style>): void {
    this.style = { ...this.style, ...patch }
    this.updateShapes(this.getSelectedShapes().map((s) => ({ id: s.id, props: patch })))
    this.emit()
  }

  // ---------------------------------------------------------------- selection and tools

  select(ids: Iterable<string>): void {
    this.selectedIds = new Set([...ids].filter((id) => this.shapes.has(id)))
    this.publishPresence()
    this.emit()
  }

  selectAll(): void {
    this.select(this.getShapes().map((s) => s.id))
  }

  setTool(id: ToolId): void {
    if (id === this.currentToolId) return
    this.tools[this.currentToolId].onExit?.()
    this.currentToolId = id
    this.tools[id].onEnter?.()
    this.emit()
  }

  setToolLocked(locked: boolean): void {
    this.toolLocked = locked
    this.emit()
  }

  get tool(): Tool {
    return this.tools[this.currentToolId]
  }

  pointerDown(e: PointerInfo): void {
    this.tool.onPointerDown?.(e)
  }

  pointerMove(e: PointerInfo): void {
    this.setCursor(e.page)
    this.tool.onPointerMove?.(e)
  }

  pointerUp(e: PointerInfo): void {
    this.tool.onPointerUp?.(e)
  }

  cancel(): void {
    this.tool.onCancel?.()
  }

  /** Called by tools when a shape was created: select it, and go back to select unless locked. */
  finishCreating(id: string | null): void {
    this.recordCreation([...this.creating])
    if (id) this.select([id])
    if (!this.toolLocked) this.setTool('select')
  }

  /** Builds a pointer event from a screen point (for tests and the canvas). */
  pointerInfo(screen: Vec, mods: Partial<Omit<PointerInfo, 'page' | 'screen'>> = {}): PointerInfo {
    return {
      screen,
      page: screenToPage(this.camera, screen),
      shift: false,
      alt: false,
      mod: false,
      button: 0,
      pressure: 0.5,
      ...mods,
    }
  }

  // ---------------------------------------------------------------- camera

  setViewportSize(w: number, h: number): void {
    if (w === this.viewportSize.w && h === this.viewportSize.h) return
    this.viewportSize = { w, h }
    this.publishPresence()
    this.emit()
  }

  setCamera(camera: Camera, fromFollow = false): void {
    this.camera = camera
    if (!fromFollow) this.followingId = null
    this.publishPresence()
    this.emit()
  }

  panBy(dxScreen: number, dyScreen: number): void {
    const c = this.camera
    this.setCamera({ x: c.x + dxScreen / c.z, y: c.y + dyScreen / c.z, z: c.z })
  }

  zoomTo(z: number, anchor: Vec = { x: this.viewportSize.w / 2, y: this.viewportSize.h / 2 }): void {
    this.setCamera(zoomAt(this.camera, anchor, z))
  }

  zoomIn(): void {
    this.zoomTo(this.camera.z * 1.25)
  }

  zoomOut(): void {
    this.zoomTo(this.camera.z / 1.25)
  }

  zoomToFit(): void {
    const box = unionBoxes(this.getShapes().map(shapeBounds))
    if (box) this.setCamera(fitCamera(box, this.viewportSize))
    else this.setCamera({ x: 0, y: 0, z: 1 })
  }

  // ---------------------------------------------------------------- presence

  setCursor(p: Vec | null): void {
    this.cursor = p
    this.publishPresence()
  }

  /** Publishes this user's presence, at most once per `presenceIntervalMs` (trailing call kept). */
  publishPresence(immediate = false): void {
    if (!this.awareness) return
    const now = Date.now()
    const wait = this.presenceIntervalMs - (now - this.lastPresenceAt)
    if (!immediate && wait > 0) {
      this.presenceTimer ??= setTimeout(() => {
        this.presenceTimer = null
        this.publishPresence(true)
      }, wait)
      return
    }
    this.lastPresenceAt = now
    const state: PresenceState = {
      user: this.user,
      cursor: this.cursor,
      selection: [...this.selectedIds],
      viewport: viewportBox(this.camera, this.viewportSize),
    }
    this.awareness.setLocalStateField('presence', state)
  }

  setUserName(name: string): void {
    this.user.name = name
    this.publishPresence(true)
    this.emit()
  }

  private readonly onAwarenessChange = () => {
    if (!this.awareness) return
    const peers: Peer[] = []
    for (const [clientId, state] of this.awareness.getStates()) {
      if (clientId === this.awareness.clientID) continue
      const p = state.presence as PresenceState | undefined
      if (p?.user) peers.push({ ...p, clientId })
    }
    this.peers = peers
    const followed = this.followingId === null ? null : peers.find((p) => p.clientId === this.followingId)
    if (this.followingId !== null && !followed) this.followingId = null
    if (followed?.viewport) this.applyFollow(followed.viewport)
    this.emit()
  }

  follow(clientId: number | null): void {
    this.followingId = clientId
    const peer = this.peers.find((p) => p.clientId === clientId)
    if (peer?.viewport) this.applyFollow(peer.viewport)
    this.emit()
  }

  private applyFollow(viewport: Box): void {
    const z = Math.min(this.viewportSize.w / viewport.w, this.viewportSize.h / viewport.h)
    const cx = viewport.x + viewport.w / 2
    const cy = viewport.y + viewport.h / 2
    this.setCamera({ z, x: this.viewportSize.w / 2 / z - cx, y: this.viewportSize.h / 2 / z - cy }, true)
  }

  destroy(): void {
    shapesMap(this.doc).unobserveDeep(this.onShapesChanged)
    versionedMap(this.doc).unobserve(this.onVersionedChanged)
    this.awareness?.off('change', this.onAwarenessChange)
    if (this.presenceTimer) clearTimeout(this.presenceTimer)
    this.undoManager.destroy()
    this.listeners.clear()
  }
}

/** Separate edits closer together than this merge into one undo step (gestures always are one). */
const CAPTURE_TIMEOUT_MS = 400

/** Props whose change moves a shape's outline (and so the arrows attached to it). */
const GEOMETRY_PROPS = ['x', 'y', 'w', 'h', 'rotation', 'points'] as const

/** "the sticky note “Plan”": how notices name a shape. */
export function describe(shape: Pick<Shape, 'kind' | 'text'>): string {
  const name = `the ${kindLabel(shape.kind)}`
  const text = shape.text.trim()
  return text ? `${name} “${text.length > 24 ? `${text.slice(0, 23)}…` : text}”` : name
}

function describeChange(field: VersionedField, value: unknown, shape: Shape | undefined): string {
  const target = shape ? describe({ ...shape, text: field === 'text' ? '' : shape.text }) : 'the shape'
  switch (field) {
    case 'deleted':
      return value ? `deleted ${target}` : `restored ${target}`
    case 'text':
      return `changed the text of ${target} to “${String(value).slice(0, 40)}”`
    case 'binding':
      return `re-attached ${target}`
    case 'parent':
      return value ? `grouped ${target} differently` : `ungrouped ${target}`
  }
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

export function toClipboardShape(s: Shape): ClipboardData['shapes'][number] {
  const props = crdtProps.parse(s)
  return { ...props, id: s.id, text: s.text || undefined }
}
