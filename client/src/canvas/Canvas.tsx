import type Konva from 'konva'
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react'
import { Group, Layer, Rect, Stage } from '../shapes/konva.ts'
import type { Shape } from '@easel/shared'
import type { Editor } from '../editor/Editor.ts'
import { type Box, boxContains, boxesIntersect, viewportBox } from '../editor/geometry.ts'
import { shapeBounds } from '../shapes/index.ts'
import { doubleClickAt } from '../editor/doubleClick.ts'
import type { PointerInfo } from '../editor/tools/index.ts'
import type { TextEditing } from '../editor/TextEditing.ts'
import type { ContextMenuAt } from '../ui/ContextMenu.tsx'
import { isKeyForBoard, takesText } from '../shortcuts.ts'
import { layers } from '../ui/layers.ts'
import { LockBadges } from '../ui/TextEditorOverlay.tsx'
import { Cursors } from './Cursors.tsx'
import { LockMarks } from './LockMarks.tsx'
import { GroupFrames } from './GroupFrames.tsx'
import { SnapGuides } from './SnapGuides.tsx'
import { SelectionHandles } from './SelectionHandles.tsx'
import { BindTargetOutline, EndpointHandles } from './ArrowHandles.tsx'
import { HotShapes } from './hotShapes.ts'
import { ShapeView } from './ShapeView.tsx'
import { TouchGestures } from './touchGestures.ts'

/** From this many shapes on screen, the shape layer is drawn from a cached bitmap while panning. */
const BITMAP_CACHE_MIN_SHAPES = 1500
/** Shortest interval between bitmap redraws while shapes change under a cached view. */
const BITMAP_REFRESH_MS = 250
/** Below this zoom, text and shadows are not drawn (20 px text would be under 5 px tall). */
const LOW_DETAIL_ZOOM = 0.25

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform)

/**
 * The board surface: a Konva stage whose shape layer is moved and scaled by the camera, fed by DOM
 * pointer events that are normalised and handed to the editor's current tool.
 */
export function Canvas({
  editor,
  text,
  onDoubleClickShape,
  onContextMenu,
}: {
  editor: Editor
  text?: TextEditing
  onDoubleClickShape?: (id: string) => void
  /** Right-click (or long press): where, and on which shape (locked ones included), if any. */
  onContextMenu?: (at: ContextMenuAt) => void
}) {
  useSyncExternalStore(editor.subscribe, editor.getVersion)
  const container = useRef<HTMLDivElement>(null)
  const [size, setSize] = useState({ w: 0, h: 0 })

  useLayoutEffect(() => {
    const el = container.current
    if (!el) return
    const ro = new ResizeObserver(() => {
      const r = el.getBoundingClientRect()
      setSize({ w: r.width, h: r.height })
      editor.setViewportSize(r.width, r.height)
    })
    ro.observe(el)
    return () => ro.disconnect()
  }, [editor])

  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.code === 'Space' && isKeyForBoard(e, layers.takesKeys(e))) {
        // Not also a press of the button that has focus (it would click again on release).
        e.preventDefault()
        editor.setSpaceHeld(true)
      }
    }
    const up = (e: KeyboardEvent) => {
      if (e.code === 'Space') editor.setSpaceHeld(false)
    }
    window.addEventListener('keydown', down)
    window.addEventListener('keyup', up)
    return () => {
      window.removeEventListener('keydown', down)
      window.removeEventListener('keyup', up)
    }
  }, [editor])

  type DomPointer = Pick<
    MouseEvent,
    'clientX' | 'clientY' | 'shiftKey' | 'altKey' | 'metaKey' | 'ctrlKey' | 'button'
  > &
    Partial<Pick<PointerEvent, 'pressure' | 'pointerType'>>
  const info = (e: DomPointer): PointerInfo => {
    const r = container.current!.getBoundingClientRect()
    return editor.pointerInfo(
      { x: e.clientX - r.left, y: e.clientY - r.top },
      {
        shift: e.shiftKey,
        alt: e.altKey,
        mod: isMac ? e.metaKey : e.ctrlKey,
        button: e.button,
        pressure: e.pointerType === 'pen' && e.pressure ? e.pressure : 0.5,
      },
    )
  }

  // Two fingers pan and pinch-zoom; one is the current tool.
  const touch = useMemo(() => new TouchGestures(editor), [editor])
  const local = (e: { clientX: number; clientY: number }) => {
    const r = container.current!.getBoundingClientRect()
    return { x: e.clientX - r.left, y: e.clientY - r.top }
  }

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>) => {
    if (isEditableTarget(e.target)) return
    container.current!.setPointerCapture(e.pointerId)
    if (touch.down(e.pointerId, e.pointerType, local(e))) return
    editor.pointerDown(info(e))
  }

  const onPointerUp = (e: React.PointerEvent<HTMLDivElement>) => {
    if (container.current?.hasPointerCapture(e.pointerId))
      container.current.releasePointerCapture(e.pointerId)
    if (touch.up(e.pointerId)) return
    editor.pointerUp(info(e))
  }

  const onDoubleClick = (e: React.MouseEvent<HTMLDivElement>) => {
    if (isEditableTarget(e.target)) return
    doubleClickAt(editor, info(e).page, (id) => onDoubleClickShape?.(id))
  }

  const onContextMenuEvent = (e: React.MouseEvent<HTMLDivElement>) => {
    if (isEditableTarget(e.target)) return
    e.preventDefault()
    const p = info(e)
    const hit = editor.shapeAt(p.page)
    if (!hit) editor.select([])
    else if (!hit.locked && !editor.selectedIds.has(hit.id)) editor.select(editor.withGroups([hit.id]))
    onContextMenu?.({
      client: { x: e.clientX, y: e.clientY },
      screen: p.screen,
      page: p.page,
      shapeId: hit?.id ?? null,
    })
  }

  useEffect(() => {
    const el = container.current
    if (!el) return
    const onWheel = (e: WheelEvent) => {
      e.preventDefault()
      const r = el.getBoundingClientRect()
      const anchor = { x: e.clientX - r.left, y: e.clientY - r.top }
      if (e.ctrlKey || e.metaKey) {
        // Trackpad pinch gestures arrive as ctrl+wheel with small deltas.
        editor.wheelZoom(e.deltaY, anchor, e.deltaMode)
      } else {
        editor.panBy(-(e.shiftKey ? e.deltaY : e.deltaX), e.shiftKey ? 0 : -e.deltaY)
      }
    }
    el.addEventListener('wheel', onWheel, { passive: false })
    return () => el.removeEventListener('wheel', onWheel)
  }, [editor])

  const shapesVersion = editor.shapesVersion
  const { camera } = editor
  // Culling: only shapes in a region around the viewport are mounted and drawn. The region is half
  // a viewport larger on each side and only moves when the view leaves it, so small pans do not
  // change what is mounted (nor invalidate the bitmap cache below).
  const region = useRef<{ box: Box; z: number } | null>(null)
  const view = viewportBox(camera, size)
  if (!region.current || region.current.z !== camera.z || !boxContains(region.current.box, view)) {
    region.current = {
      z: camera.z,
      box: { x: view.x - view.w / 2, y: view.y - view.h / 2, w: view.w * 2, h: view.h * 2 },
    }
  }
  const regionBox = region.current.box
  const editingId = text?.editing?.shapeId ?? null
  const detail = camera.z >= LOW_DETAIL_ZOOM

  // Many shapes on screen at once (zoomed out on a big board): draw them once into a bitmap and
  // blit it while panning, instead of redrawing every shape each frame. Shapes that change (someone
  // drags them) are "hot": drawn live above the bitmap and left out of it, so the bitmap is only
  // re-rendered when a shape becomes hot or cools, not on every change (see hotShapes.ts). A hot
  // shape is drawn above every other shape while it is hot. Culling changes and zooming re-render
  // the bitmap too (zooming shows the stretched bitmap until it settles).
  const shapesGroup = useRef<Konva.Group>(null)
  const hot = useMemo(() => new HotShapes(), [])
  const seenVersion = useRef<number | null>(null)
  if (seenVersion.current !== shapesVersion) {
    if (seenVersion.current !== null) {
      hot.update(editor.shapeChangesSince(seenVersion.current), editor.hasShape, performance.now())
    }
    seenVersion.current = shapesVersion
  }
  // Cools hot shapes when their time comes (a render that draws them into the bitmap).
  const [coolTick, setCoolTick] = useState(0)
  const nextCool = hot.nextCoolAt()
  // biome-ignore lint/correctness/useExhaustiveDependencies: a tick that cooled nothing (a timer a hair early) schedules again
  useEffect(() => {
    if (nextCool === null) return
    const t = setTimeout(
      () => {
        hot.cool(performance.now())
        setCoolTick((n) => n + 1)
      },
      Math.max(0, nextCool - performance.now()),
    )
    return () => clearTimeout(t)
  }, [hot, nextCool, coolTick])
  // Culling, and what the bitmap holds: the visible shapes that are not hot. While the bitmap is in
  // use, this is only recomputed when what the bitmap shows changes (not when a hot shape moves: an
  // O(changes) render), and `cold` stays the same array, so the memoised list below skips its
  // subtree. Without the bitmap, every change recomputes it.
  const cull = useRef<{
    at: [Box, number, number, number]
    cached: boolean
    cold: Shape[]
    coldLocked: Shape[]
  }>(null)
  const c = cull.current
  if (
    !c ||
    c.at[0] !== regionBox ||
    (c.cached ? c.at[2] !== hot.hotVersion || c.at[3] !== hot.coldVersion : c.at[1] !== shapesVersion)
  ) {
    const visible = editor.shapesInBox(regionBox)
    const cached = visible.length >= BITMAP_CACHE_MIN_SHAPES
    const cold = cached ? visible.filter((s) => !hot.isHot(s.id)) : visible
    cull.current = {
      at: [regionBox, shapesVersion, hot.hotVersion, hot.coldVersion],
      cached,
      cold,
      coldLocked: cold.filter((s) => s.locked),
    }
  }
  const { cached, cold, coldLocked } = cull.current!
  const live = cached ? hotShapesIn(editor, hot, regionBox) : NO_SHAPES
  const locked = live.length > 0 ? [...coldLocked, ...live.filter((s) => s.locked)] : coldLocked
  const lastCacheZoom = useRef(0)
  const lastCacheAt = useRef(0)
  const lastCacheCost = useRef(0)
  const lastCacheHot = useRef(-1)
  // A layout effect: the bitmap is re-rendered before the frame that first draws the new hot set,
  // so a shape becoming hot leaves no ghost and one cooling never blinks out.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by what the bitmap shows
  useLayoutEffect(() => {
    const g = shapesGroup.current
    if (!g) return
    if (!cached) {
      if (g.isCached()) g.clearCache()
      return
    }
    const run = () => {
      lastCacheZoom.current = camera.z
      lastCacheHot.current = hot.hotVersion
      const started = performance.now()
      g.cache({ pixelRatio: camera.z * (window.devicePixelRatio || 1) })
      g.getLayer()?.batchDraw()
      lastCacheAt.current = performance.now()
      lastCacheCost.current = lastCacheAt.current - started
    }
    if (!g.isCached() || (lastCacheHot.current !== hot.hotVersion && lastCacheZoom.current === camera.z)) {
      run()
      return
    }
    // Zooming: wait until it settles. Shapes in the bitmap changing (more hot shapes than drawn
    // live): redraw the bitmap at most a few times a second, so a busy board zoomed far out keeps
    // panning at full frame rate.
    const wait =
      lastCacheZoom.current !== camera.z
        ? 150
        : Math.max(
            0,
            // At most ~20 % of the main thread goes to redrawing the bitmap, however big the board.
            lastCacheAt.current + Math.max(BITMAP_REFRESH_MS, lastCacheCost.current * 4) - performance.now(),
          )
    if (wait === 0) {
      run()
      return
    }
    const t = setTimeout(run, wait)
    return () => clearTimeout(t)
  }, [cached, cold, camera.z, editingId, detail])

  const handles = editor.currentToolId === 'select' && !text?.editing ? editor.tools.select.handles?.() : null
  const endpoints =
    editor.currentToolId === 'select' && !text?.editing ? editor.tools.select.endpoints?.() : null
  const bindTarget = editor.tool.bindTarget?.()
  const bindShape = bindTarget ? editor.getShape(bindTarget) : undefined
  const overlay = editor.tool.overlay?.()
  const lockOutlines = (text?.othersLeases() ?? [])
    .map((l) => ({ l, s: editor.getShape(l.shapeId) }))
    .filter((x): x is { l: (typeof x)['l']; s: Shape } => !!x.s)
  const z = camera.z
  const peerOutlines = editor.peers.flatMap((peer) =>
    peer.selection
      .map((id) => editor.getShape(id))
      .filter((s): s is Shape => !!s)
      .map((s) => ({ peer, box: shapeBounds(s), id: s.id })),
  )

  return (
    <div
      ref={container}
      data-testid="canvas"
      role="application"
      aria-label="Whiteboard canvas"
      tabIndex={-1}
      className="canvas"
      style={{ cursor: editor.tool.cursor }}
      onPointerDown={onPointerDown}
      onPointerMove={(e) => {
        if (!touch.move(e.pointerId, local(e))) editor.pointerMove(info(e))
      }}
      onPointerUp={onPointerUp}
      onPointerCancel={(e) => {
        touch.up(e.pointerId)
        editor.cancel()
      }}
      onPointerLeave={() => editor.setCursor(null)}
      onDoubleClick={onDoubleClick}
      onContextMenu={onContextMenuEvent}
    >
      {size.w > 0 && (
        <Stage width={size.w} height={size.h} listening={false}>
          <Layer x={camera.x * z} y={camera.y * z} scaleX={z} scaleY={z} listening={false}>
            <ShapeList groupRef={shapesGroup} shapes={cold} editingId={editingId} detail={detail} />
            {live.length > 0 && (
              <ShapeList groupRef={null} shapes={live} editingId={editingId} detail={detail} />
            )}
          </Layer>
          <Layer x={camera.x * z} y={camera.y * z} scaleX={z} scaleY={z} listening={false}>
            {peerOutlines.map(({ peer, box, id }) => (
              <Rect
                key={`${peer.clientId}:${id}`}
                x={box.x - 4 / z}
                y={box.y - 4 / z}
                width={box.w + 8 / z}
                height={box.h + 8 / z}
                stroke={peer.user.color}
                strokeWidth={2 / z}
                dash={[6 / z, 4 / z]}
                listening={false}
              />
            ))}
            {lockOutlines.map(({ l, s }) => {
              const b = shapeBounds(s)
              return (
                <Rect
                  key={`lock:${l.shapeId}`}
                  x={b.x - 3 / z}
                  y={b.y - 3 / z}
                  width={b.w + 6 / z}
                  height={b.h + 6 / z}
                  stroke={l.holderColor}
                  strokeWidth={3 / z}
                  cornerRadius={4 / z}
                  listening={false}
                />
              )
            })}
            {overlay?.kind === 'marquee' && (
              <Rect
                x={overlay.box.x}
                y={overlay.box.y}
                width={overlay.box.w}
                height={overlay.box.h}
                fill="rgba(105, 101, 219, 0.08)"
                stroke="#6965db"
                strokeWidth={1 / z}
                listening={false}
              />
            )}
            <LockMarks shapes={locked} z={z} />
            <GroupFrames editor={editor} z={z} />
            {handles && <SelectionHandles frame={handles.frame} active={handles.active} z={z} />}
            {bindShape && <BindTargetOutline shape={bindShape} z={z} />}
            {endpoints && <EndpointHandles {...endpoints} z={z} />}
            <SnapGuides guides={editor.tool.snapGuides?.() ?? []} z={z} />
          </Layer>
        </Stage>
      )}
      {text && <LockBadges editor={editor} text={text} />}
      <Cursors editor={editor} />
    </div>
  )
}

const NO_SHAPES: Shape[] = []

/** The hot shapes (drawn live) in a region, in paint order. */
function hotShapesIn(editor: Editor, hot: HotShapes, box: Box): Shape[] {
  if (hot.size === 0) return NO_SHAPES
  const out: Shape[] = []
  for (const id of hot.ids()) {
    const s = editor.getShape(id)
    if (s && boxesIntersect(shapeBounds(s), box)) out.push(s)
  }
  return out.sort((a, b) => (a.z < b.z ? -1 : a.z > b.z ? 1 : a.id < b.id ? -1 : 1))
}

/**
 * A list of shapes in one Konva group. Memoised: a render that only moves the camera passes the
 * same props, so React skips the (up to 10 000 shape) subtree instead of comparing every ShapeView.
 */
const ShapeList = memo(function ShapeList({
  groupRef,
  shapes,
  editingId,
  detail,
}: {
  groupRef: React.RefObject<Konva.Group | null> | null
  shapes: readonly Shape[]
  editingId: string | null
  detail: boolean
}) {
  return (
    <Group ref={groupRef ?? undefined} listening={false}>
      {shapes.map((s) => (
        <ShapeView key={s.id} shape={s} hideText={s.id === editingId} detail={detail} />
      ))}
    </Group>
  )
})

/** Text fields and the like (see shortcuts.ts). */
export const isEditableTarget = takesText
