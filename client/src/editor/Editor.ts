import type { Awareness } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import type { CommitRequest, CommitResult, CrdtProps, Shape, ShapeKind } from '@easel/shared'
import { CameraState } from './camera.ts'
import {
  type ClipboardContext,
  copyOf,
  importOffset,
  insertCopies,
  PastePlacement,
  paste,
  restack,
  restackStep,
  toClipboardShape,
} from './clipboard.ts'
import { kindLabel, shapeBounds } from '../shapes/index.ts'
import { type Box, type Camera, screenToPage, unionBoxes, type Vec } from './geometry.ts'
import { GroupFocus } from './groups.ts'
import { History, type HistoryStep } from './history.ts'
import { LiveGesture } from './liveGesture.ts'
import { Notices } from './notices.ts'
import { Presence } from './presence.ts'
import { ReadModel, type ShapeChange } from './store/readModel.ts'
import { createTools, type PointerInfo, type Tool, type ToolContext, type ToolId } from './tools/index.ts'
import {
  type ClipboardData,
  type CommitPort,
  type EditorOptions,
  DEFAULT_STYLE,
  type Notice,
  type Peer,
  type ShapeUpdate,
  type Style,
  type User,
} from './types.ts'
import { VersionedOps } from './versionedOps.ts'
import { ShapeWrites } from './writes.ts'
import { ToolDispatch } from './toolDispatch.ts'

/** The tools of a view-only board: they look around and select, never change anything. */
const VIEW_TOOLS: ReadonlySet<ToolId> = new Set(['select', 'hand'])

export { capitalize } from './notices.ts'
export { toClipboardShape }
export * from './types.ts'

/**
 * The editor's state and operations, free of React and Konva: shapes read from the Y.Doc, camera,
 * selection, tools, per-user undo and presence. The canvas feeds it normalised pointer events and
 * renders what it exposes; tests drive it directly. A facade: each part lives in its own module
 * (store/readModel, writes, liveGesture, versionedOps, notices, history, clipboard, camera,
 * presence) and gets what it needs from here through a small context.
 */
export class Editor implements ToolContext {
  readonly doc: Y.Doc
  readonly user: User
  readonly awareness: Awareness | null
  readonly commits: CommitPort | null
  readonly undoManager: Y.UndoManager
  readonly tools: Record<ToolId, Tool>
  /** Invalid shapes seen in the document, reported instead of rendered. */
  readonly invalid: ReadonlyMap<string, string>
  /** Every notice shown so far (for tests). */
  readonly noticeLog: readonly Omit<Notice, 'actions' | 'onDismiss'>[]
  /** Groups: which one is entered (double-click), which one is under the pointer. */
  readonly groups: GroupFocus

  selectedIds: ReadonlySet<string> = new Set()
  style: Style = { ...DEFAULT_STYLE }
  /** Tool keeps creating shapes instead of returning to select. */
  toolLocked = false
  /**
   * View-only (the server's welcome said the user cannot edit): only the select and hand tools,
   * and every document write and commit is a no-op. Set with {@link setReadOnly}.
   */
  readOnly = false
  /** Set by the text-editing layer: a text or sticky shape was placed (to start editing it). */
  onTextShapeCreated?: (id: string) => void
  /**
   * Set by the text-editing layer: text typed into a shape that waits for the shape's lease (an
   * editor left while offline, or before the lease came; a re-applied draft), not sent yet. It is
   * shown on the shape like a commit in flight, until it is written or given up.
   */
  heldTextOf: (id: string) => string | undefined = () => undefined
  /** Set by the board: the user did one thing (one undo step, or an undo or redo). */
  onLocalAction?: () => void

  private readonly store: ReadModel
  private readonly history: History
  private readonly writes: ShapeWrites
  private readonly live: LiveGesture
  private readonly versioned: VersionedOps
  private readonly notices_: Notices
  private readonly view: CameraState
  private readonly presence: Presence
  private readonly clipboard: ClipboardContext
  private readonly dispatch: ToolDispatch
  private readonly placement = new PastePlacement()
  /** Last pointer position on the canvas (screen point), where pastes land. */
  private pointerScreen: Vec | null = null
  private version = 0
  private readonly listeners = new Set<() => void>()

  constructor(doc: Y.Doc, options: EditorOptions) {
    this.doc = doc
    this.user = options.user
    this.awareness = options.awareness ?? null
    const commits = options.commits ?? null
    // Every commit starts here: refused locally while view-only (the server would refuse it too).
    this.commits = commits && {
      submit: (request, label) =>
        this.readOnly
          ? Promise.resolve({
              status: 'error',
              code: 'forbidden',
              message: 'this board is view-only for you',
            })
          : commits.submit(request, label),
      pending: () => commits.pending(),
      subscribe: (listener) => commits.subscribe(listener),
    }
    this.history = new History(doc, this.emit, () => this.onLocalAction?.())
    this.undoManager = this.history.undoManager
    this.store = new ReadModel({
      doc,
      pendingOf: (id) => {
        const pending = this.versioned.pendingOf(id)
        const held = this.heldTextOf(id)
        return held === undefined ? pending : { ...pending, text: held }
      },
      overrideOf: (id) => this.live.overrideOf(id),
      onChange: () => this.onShapesChanged(),
    })
    const shapes = this.store
    const versioned = !!this.commits
    this.writes = new ShapeWrites({
      doc,
      shapes,
      userId: this.user.id,
      style: () => this.style,
      versioned,
      canWrite: () => !this.readOnly,
    })
    this.notices_ = new Notices({ shapes, describe, onChange: this.emit })
    this.versioned = new VersionedOps({
      doc,
      commits: this.commits,
      shapes,
      writes: this.writes,
      history: this.history,
      notices: this.notices_,
      select: (ids) => this.select(ids),
      shapeAt: (p, filter) => this.shapeAt(p, filter),
      describe,
      onPendingChanged: (ids) => this.showAgain(ids),
    })
    this.live = new LiveGesture({
      shapes,
      writes: this.writes,
      history: this.history,
      onChange: this.emit,
      scheduleFrame: options.scheduleFrame,
      intervalMs: options.liveWriteIntervalMs ?? 33,
    })
    this.store.start()
    this.groups = new GroupFocus({
      shapes: () => this.store.values(),
      version: () => this.store.version,
      getShape: (id) => this.store.get(id),
      selectedIds: () => this.selectedIds,
      shapeAt: (p) => this.shapeAt(p),
    })
    this.clipboard = {
      doc,
      shapes: () => this.getShapes(),
      writes: this.writes,
      versioned: this.commits ? this.versioned : null,
      select: (ids) => this.select(ids),
    }
    this.view = new CameraState((fromFollow) => {
      if (!fromFollow) this.presence.followingId = null
      this.presence.publish()
      this.emit()
    })
    this.presence = new Presence({
      awareness: this.awareness,
      user: this.user,
      selection: () => [...this.selectedIds],
      viewport: () => this.view.viewport(),
      show: (viewport) => this.view.show(viewport),
      onChange: this.emit,
      intervalMs: options.presenceIntervalMs ?? 33,
    })
    this.tools = (options.tools ?? createTools)(this)
    this.dispatch = new ToolDispatch(this.tools, this.emit)
    this.invalid = this.store.invalid
    this.noticeLog = this.notices_.log
  }

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

  /** Shapes that can be selected: present and not locked. */
  private readonly selectable = (id: string): boolean => this.store.get(id)?.locked === false

  private onShapesChanged(): void {
    if ([...this.selectedIds].some((id) => !this.selectable(id))) {
      this.selectedIds = new Set([...this.selectedIds].filter(this.selectable))
      this.presence.publish()
    }
    this.emit()
  }

  /** Bumped whenever a shape's rendered value changes; lets the canvas skip work otherwise. */
  get shapesVersion(): number {
    return this.store.version
  }
  /**
   * Shapes changed after `shapesVersion` was `version`, each once; null when that is too long ago
   * to tell. Costs what changed, not the board's size.
   */
  readonly shapeChangesSince = (version: number): ShapeChange[] | null => this.store.changesSince(version)
  /** Shapes in paint order (lowest z first). */
  readonly getShapes = (): readonly Shape[] => this.store.inOrder()
  readonly getShape = (id: string): Shape | undefined => this.store.get(id)
  readonly hasShape = (id: string): boolean => this.store.has(id)
  readonly getSelectedShapes = (): Shape[] =>
    [...this.selectedIds].map((id) => this.store.get(id)).filter((s): s is Shape => !!s)
  /** Topmost shape under a page point. */
  readonly shapeAt = (p: Vec, filter?: (s: Shape) => boolean): Shape | undefined =>
    this.store.shapeAt(p, 4 / this.camera.z, filter)
  readonly shapesInBox = (box: Box): Shape[] => this.store.inBox(box)
  /** The shape as the server last confirmed it (no optimistic values), deleted ones included. */
  readonly readCommitted = (id: string): Shape | undefined => this.store.readCommitted(id)
  /** The shape's text with this user's commits in flight, without a {@link heldTextOf} text. */
  readonly textInFlight = (id: string): string | undefined =>
    this.versioned.pendingOf(id)?.text ?? this.store.readCommitted(id)?.text
  /** What {@link heldTextOf} answers for the shape changed: show it again. */
  readonly heldTextChanged = (id: string): void => this.showAgain([id])

  /** Reads the shapes again: what is shown on top of the document (commits in flight, held texts) changed. */
  private showAgain(ids: Iterable<string>): void {
    for (const id of ids) this.store.read(id)
    this.onShapesChanged()
  }

  readonly createShape = (kind: ShapeKind, props: Partial<CrdtProps> & Vec): string =>
    this.writes.create(kind, props)
  /** Writes tier-1 props now (one transaction, one undo step). Invalid values are refused. */
  readonly updateShapes = (updates: ShapeUpdate[]): void => this.writes.update(updates)
  /** Shows props locally right away and writes them at the next frame (one update per frame). */
  readonly setLive = (id: string, props: Partial<CrdtProps>): void => this.live.setLive(id, props)
  /** Shows props locally only (until {@link setLive} or {@link endLive} writes them). */
  readonly setLocal = (id: string, props: Partial<CrdtProps>): boolean => this.live.setLocal(id, props)
  /** Writes the pending live props (called by the frame scheduler; `force` at the end of a gesture). */
  readonly flushFrame = (force = false): void => this.live.flushFrame(force)
  /** Ends a gesture: writes what is pending and drops the local overrides. */
  readonly endLive = (): void => this.live.endLive()
  /** Starts a gesture that must be one undo step, however long the user pauses during it. */
  readonly beginGesture = (): void => this.history.beginGesture()

  readonly deleteShapes = (ids: Iterable<string>): void => this.versioned.deleteShapes(ids)
  /** Deletes a shape just made and left empty; if making it is the newest undo step, with that step. */
  readonly discardNewShape = (id: string): void =>
    this.versioned.deleteShapes([id], !this.history.forgetCreation([id]))
  readonly deleteSelected = (): void => this.deleteShapes(this.selectedIds)
  readonly bindArrowEnds = (arrowId: string): void => this.versioned.bindArrowEnds(arrowId)
  readonly bindTargetAt = (p: Vec, arrowId: string | null): Shape | undefined =>
    this.versioned.bindTargetAt(p, arrowId)
  readonly retargetArrowEnd = (arrowId: string, end: 'start' | 'end', target: string | null): void =>
    this.versioned.retargetArrowEnd(arrowId, end, target)
  readonly setBinding = (arrowId: string, binding: { start: string | null; end: string | null }): void =>
    this.versioned.setBinding(arrowId, binding)
  readonly detachMovedArrows = (ids: Iterable<string>): void => this.versioned.detachMovedArrows(ids)
  readonly withGroups = (ids: Iterable<string>): string[] => this.groups.expand(ids)
  /** Locks or unlocks shapes (versioned; locking deselects them). */
  readonly setLocked = (ids: Iterable<string>, locked: boolean): void =>
    this.versioned.setLocked([...ids], locked)
  readonly lockSelected = (): void => this.setLocked(this.selectedIds, true)
  readonly groupSelected = (): void => this.versioned.group(this.getSelectedShapes())
  readonly ungroupSelected = (): void => this.versioned.ungroup(this.getSelectedShapes())
  commit(
    request: CommitRequest,
    label: string,
    satisfied?: (r: CommitResult) => boolean,
    retry?: () => void,
  ): Promise<CommitResult> {
    return this.versioned.commit(request, label, satisfied, retry)
  }
  readonly reportCommitFailure = (label: string, result: CommitResult, retry?: () => void): void =>
    this.notices_.reportCommitFailure(label, result, retry)
  /** Notices currently shown. */
  get notices(): Notice[] {
    return this.notices_.shown
  }
  readonly notify = (notice: Omit<Notice, 'id'>): Notice => this.notices_.notify(notice)
  readonly dismissNotice = (id: number): void => this.notices_.dismiss(id)

  readonly canUndo = (): boolean => !this.readOnly && this.history.canUndo()
  readonly canRedo = (): boolean => !this.readOnly && this.history.canRedo()
  /** Undoes this user's last change (never anyone else's). */
  readonly undo = (): void => {
    if (!this.readOnly) this.history.undo()
  }
  readonly redo = (): void => {
    if (!this.readOnly) this.history.redo()
  }
  /** Records a versioned action as one undo step (text edits: textUndo.ts). */
  readonly pushUndoStep = (label: string, undo: () => void, redo: () => void): HistoryStep =>
    this.history.pushCommit(label, undo, redo)
  readonly discardUndoStep = (step: HistoryStep): void => this.history.discard(step)
  /** Whether the newest undo step created the shape. */
  readonly createdLast = (shapeId: string): boolean => this.history.createdLast(shapeId)
  /** Sizes a text or sticky note to its committed text (not an undo step of its own). */
  readonly fitText = (id: string, text: string): void => this.writes.fitText(id, text)

  /** Copies of shapes shifted by `offset`, on top of everything, selected. */
  readonly insertCopies = (shapes: ClipboardData['shapes'], offset: Vec): string[] =>
    insertCopies(this.clipboard, shapes, offset)
  duplicateSelected(): void {
    const data = this.copySelection()
    if (data) this.insertCopies(data.shapes, { x: 16, y: 16 })
  }
  readonly copySelection = (): ClipboardData | null => copyOf(this.getSelectedShapes())
  /** Clipboard data of any shapes (locked ones too). */
  readonly copyShapes = (ids: Iterable<string>): ClipboardData | null =>
    copyOf([...ids].map((id) => this.store.get(id)).filter((s): s is Shape => !!s))
  /**
   * Pastes clipboard shapes centred on `at` (page point; default the last pointer position on the
   * canvas, or the centre of the view), each repeat at the same point offset a little further.
   */
  paste(data: ClipboardData, at: Vec = this.pasteTarget()): string[] {
    return paste(this.clipboard, data, this.placement.next(data, at, 8 / this.camera.z))
  }
  /** The page point under the last pointer position on the canvas, or the centre of the view. */
  pasteTarget(): Vec {
    const { w, h } = this.viewportSize
    const p = this.pointerScreen
    const inView = p && p.x >= 0 && p.y >= 0 && p.x <= w && p.y <= h
    return screenToPage(this.camera, inView ? p : { x: w / 2, y: h / 2 })
  }
  /** Adds shapes from a board file beside what is on the board, selects them and shows them. */
  importShapes(shapes: ClipboardData['shapes']): string[] {
    const ids = this.insertCopies(shapes, importOffset(this.getShapes(), shapes))
    const box = unionBoxes(
      this.getShapes()
        .filter((s) => ids.includes(s.id))
        .map(shapeBounds),
    )
    if (box) this.view.reveal(box)
    return ids
  }
  readonly bringToFront = (): void =>
    this.updateShapes(restack(this.getShapes(), this.getSelectedShapes(), 'front'))
  readonly sendToBack = (): void =>
    this.updateShapes(restack(this.getShapes(), this.getSelectedShapes(), 'back'))
  /** Moves the selection just above the next shape it overlaps. */
  readonly bringForward = (): void =>
    this.updateShapes(restackStep(this.getShapes(), this.getSelectedShapes(), 'forward'))
  /** Moves the selection just below the next shape it overlaps. */
  readonly sendBackward = (): void =>
    this.updateShapes(restackStep(this.getShapes(), this.getSelectedShapes(), 'backward'))
  nudgeSelected(dx: number, dy: number): void {
    // One step, so an arrow the nudge detaches is re-attached by the same undo as the move.
    this.history.beginGesture()
    this.updateShapes(
      this.getSelectedShapes().map((s) => ({ id: s.id, props: { x: s.x + dx, y: s.y + dy } })),
    )
    this.history.endGesture()
    this.detachMovedArrows(this.selectedIds)
  }
  /** Sets the style for new shapes and applies it to the selection. */
  setStyle(patch: Partial<Style>): void {
    this.style = { ...this.style, ...patch }
    this.updateShapes(this.getSelectedShapes().map((s) => ({ id: s.id, props: patch })))
    this.emit()
  }

  /** Selects shapes; locked ones are never selected (so never moved, resized, rotated or deleted). */
  select(ids: Iterable<string>): void {
    this.selectedIds = new Set([...ids].filter(this.selectable))
    this.groups.check()
    this.presence.publish()
    this.emit()
  }
  readonly selectAll = (): void => this.select(this.getShapes().map((s) => s.id))
  readonly setTool = (id: ToolId): void => {
    if (this.readOnly && !VIEW_TOOLS.has(id)) return
    this.dispatch.setTool(id)
  }

  /** Switches view-only on or off; switching on leaves a creation tool for the select tool. */
  setReadOnly(readOnly: boolean): void {
    if (this.readOnly === readOnly) return
    this.readOnly = readOnly
    if (readOnly && !VIEW_TOOLS.has(this.currentToolId)) this.dispatch.setTool('select')
    this.emit()
  }
  setToolLocked(locked: boolean): void {
    this.toolLocked = locked
    this.emit()
  }
  /** Space pressed or released: while held, presses pan instead of using the current tool. */
  readonly setSpaceHeld = (held: boolean): void => this.dispatch.setSpaceHeld(held)
  get currentToolId(): ToolId {
    return this.dispatch.currentId
  }
  get spaceHeld(): boolean {
    return this.dispatch.spaceHeld
  }
  /** The tool pointer events go to. */
  get tool(): Tool {
    return this.dispatch.tool
  }
  pointerDown(e: PointerInfo): void {
    this.pointerScreen = e.screen
    this.dispatch.down(e)
  }
  pointerMove(e: PointerInfo): void {
    this.pointerScreen = e.screen
    this.presence.setCursor(e.page)
    this.dispatch.move(e)
  }
  readonly pointerUp = (e: PointerInfo): void => this.dispatch.up(e)
  readonly cancel = (): void => this.dispatch.cancel()
  /** Called by tools when a shape was created: select it, and go back to select unless locked. */
  finishCreating(id: string | null): void {
    this.versioned.recordCreation(this.writes.takeCreated())
    if (id) this.select([id])
    if (!this.toolLocked) this.setTool('select')
  }
  /** Builds a pointer event from a screen point (for tests and the canvas). */
  pointerInfo(screen: Vec, mods: Partial<Omit<PointerInfo, 'page' | 'screen'>> = {}): PointerInfo {
    const page = screenToPage(this.camera, screen)
    return { screen, page, shift: false, alt: false, mod: false, button: 0, pressure: 0.5, ...mods }
  }

  get camera(): Camera {
    return this.view.camera
  }
  get viewportSize(): { w: number; h: number } {
    return this.view.viewportSize
  }
  readonly setViewportSize = (w: number, h: number): void => this.view.setViewportSize(w, h)
  readonly setCamera = (camera: Camera, fromFollow = false): void => this.view.setCamera(camera, fromFollow)
  readonly panBy = (dxScreen: number, dyScreen: number): void => this.view.panBy(dxScreen, dyScreen)
  readonly zoomTo = (z: number, anchor?: Vec): void => this.view.zoomTo(z, anchor)
  /** One Ctrl+wheel or trackpad-pinch event at a screen point (about 10 % per mouse notch). */
  readonly wheelZoom = (deltaY: number, anchor: Vec, deltaMode = 0): void =>
    this.view.wheelZoom(deltaY, anchor, deltaMode)
  /** Two fingers moved on a touch screen (screen points): pans and zooms with them. */
  readonly pinch = (from: [Vec, Vec], to: [Vec, Vec]): void => this.view.pinch(from, to)
  readonly zoomIn = (): void => this.zoomTo(this.camera.z * 1.25)
  readonly zoomOut = (): void => this.zoomTo(this.camera.z / 1.25)
  /** Centres the camera on a shape and selects it (a hot-shape link); false if it is not on the board. */
  revealShape(id: string): boolean {
    const shape = this.getShape(id)
    if (!shape) return false
    this.view.reveal(shapeBounds(shape))
    this.select([id])
    return true
  }
  readonly zoomToFit = (): void => this.view.fit(this.getShapes().map(shapeBounds))
  /** Peer this user follows (their viewport drives our camera), by awareness client id. */
  get followingId(): number | null {
    return this.presence.followingId
  }
  get peers(): Peer[] {
    return this.presence.peers
  }
  readonly setCursor = (p: Vec | null): void => this.presence.setCursor(p)
  /** Publishes this user's presence, at most once per `presenceIntervalMs` (trailing call kept). */
  readonly publishPresence = (immediate = false): void => this.presence.publish(immediate)
  setUserName(name: string): void {
    this.user.name = name
    this.presence.publish(true)
    this.emit()
  }
  readonly follow = (clientId: number | null): void => this.presence.follow(clientId)

  destroy(): void {
    this.store.destroy()
    this.versioned.destroy()
    this.presence.destroy()
    this.history.destroy()
    this.listeners.clear()
  }
}

/** "the sticky note “Plan”": how notices name a shape. */
export function describe(shape: Pick<Shape, 'kind' | 'text'>): string {
  const name = `the ${kindLabel(shape.kind)}`
  const text = shape.text.trim()
  return text ? `${name} “${text.length > 24 ? `${text.slice(0, 23)}…` : text}”` : name
}
