import { Suspense, useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react'
import { shapeFromHash, shapesMap, WS_PATH_PREFIX } from '@easel/shared'
import { Canvas } from './canvas/Canvas.tsx'
import { type Board, createBoard } from './board.ts'
import type { EaselDebug } from './debug.ts'
import { download, downloadBoardFile, parseBoardFile } from './editor/exportBoard.ts'
import { type BoardAccessInfo, claimAsked, claimBoard, fetchAccess } from './access.ts'
import {
  linkTokenFromHash,
  loadOwnerToken,
  loadUser,
  saveOwnerToken,
  saveUserName,
  takeCreated,
} from './identity.ts'
import { handleShortcut, isClipboardForBoard } from './shortcuts.ts'
import { CLIPBOARD_KEY, parseClipboard } from './ui/clipboardIO.ts'
import { ConnectionStatus } from './ui/ConnectionStatus.tsx'
import { ContextMenu, type ContextMenuAt } from './ui/ContextMenu.tsx'
import { Recovery } from './ui/Recovery.tsx'
import { HelpDialog, loadExportImage, prefetchLazy, ShareDialog } from './ui/lazy.ts'
import { focusCanvas, layers, useLayer } from './ui/layers.ts'
import { Notices } from './ui/Notices.tsx'
import { LockPrompt, TextEditorOverlay } from './ui/TextEditorOverlay.tsx'
import { People } from './ui/People.tsx'
import { StylePanel } from './ui/StylePanel.tsx'
import { ThemeMenu } from './ui/ThemeMenu.tsx'
import { Toolbar } from './ui/Toolbar.tsx'

/**
 * The token this page opens `room` with: the owner's (kept in this browser; a board this tab just
 * created is claimed first), else the share link in the URL's fragment, else none.
 */
async function boardToken(room: string): Promise<{ token: string | null; ownerToken: string | null }> {
  let ownerToken = loadOwnerToken(room)
  // The claim is asked once per page: a second mount (StrictMode) waits for the same answer.
  if (ownerToken === null && (takeCreated(room) || claimAsked(room))) {
    ownerToken = await claimBoard(room)
    if (ownerToken !== null) saveOwnerToken(room, ownerToken)
  }
  return { token: ownerToken ?? linkTokenFromHash(location.hash), ownerToken }
}

export function App({ room }: { room: string }) {
  const [opened, setOpened] = useState<{
    board: Board
    token: string | null
    ownerToken: string | null
  } | null>(null)

  useEffect(() => {
    let cancelled = false
    let teardown: (() => void) | null = null
    void boardToken(room).then(({ token, ownerToken }) => {
      if (cancelled) return
      teardown = open(token, ownerToken)
    })
    /** Opens the board with `token`; returns what closes it. */
    const open = (token: string | null, ownerToken: string | null) => {
      const user = loadUser()
      const serverUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${WS_PATH_PREFIX}`
      const board = createBoard(room, {
        serverUrl,
        user,
        storage: localStorage,
        sync: { token: token ?? undefined },
      })
      const { sync, editor, text, queue, leases } = board
      // The server's welcome says whether this user may edit (a view link: not).
      const offWelcome = sync.onEasel((m) => {
        if (m.t === 'welcome') editor.setReadOnly(!m.canEdit)
      })
      // Closing or hiding the tab: send the debounced text commit now (the draft store keeps it too).
      const flushText = () => text.flushNow()
      const onVisibility = () => {
        if (document.visibilityState === 'hidden') text.flushNow()
      }
      window.addEventListener('pagehide', flushText)
      document.addEventListener('visibilitychange', onVisibility)
      setOpened({ board, token, ownerToken })
      window.__easel = {
        shapes: () => JSON.parse(JSON.stringify(editor.getShapes())),
        presence: () =>
          editor.peers.map((p) => ({
            name: p.user.name,
            color: p.user.color,
            cursor: p.cursor,
            selection: p.selection,
          })),
        connection: () => ({ ...sync.getState(), pendingCommits: queue.size }),
        invalid: () => [...editor.invalid].map(([id, error]) => ({ id, error })),
        camera: () => ({ ...editor.camera }),
        selection: () => [...editor.selectedIds],
        notices: () => editor.noticeLog.map((n) => ({ kind: n.kind, shapeId: n.shapeId, text: n.text })),
        locks: () =>
          leases.leases().map((l) => ({
            shapeId: l.shapeId,
            holder: l.holderName,
            token: leases.tokenOf(l.shapeId) ?? 0,
            mine: l.mine,
          })),
        pendingCommits: () => queue.size,
        deletedShapes: () =>
          JSON.parse(
            JSON.stringify(
              [...shapesMap(sync.doc).keys()].map((id) => editor.readCommitted(id)).filter((s) => s?.deleted),
            ),
          ),
      } satisfies EaselDebug
      return () => {
        offWelcome()
        window.__easel = undefined
        window.removeEventListener('pagehide', flushText)
        document.removeEventListener('visibilitychange', onVisibility)
        board.destroy()
      }
    }
    return () => {
      cancelled = true
      teardown?.()
      setOpened(null)
    }
  }, [room])

  if (!opened) return null
  return <BoardView board={opened.board} room={room} token={opened.token} ownerToken={opened.ownerToken} />
}

/**
 * A `#shape=<id>` link (the admin dashboard's hot shapes): once the board has synced, centres the
 * camera on that shape and selects it, or says it is not there. Also when the fragment changes.
 */
function revealLinkedShape({ editor, sync }: Board): () => void {
  let target = shapeFromHash(location.hash)
  let frame = 0
  const tryReveal = () => {
    if (target === null || !sync.getState().synced) return
    const id = target
    target = null
    // One frame later: the canvas has measured the viewport the camera centres in.
    frame = requestAnimationFrame(() => {
      if (editor.revealShape(id)) return
      editor.notify({
        kind: 'info',
        shapeId: null,
        text: `The linked shape (${id}) is not on this board: it was deleted, or the link is for another board.`,
        actions: [],
      })
    })
  }
  const onHash = () => {
    target = shapeFromHash(location.hash)
    tryReveal()
  }
  const off = sync.subscribe(tryReveal)
  window.addEventListener('hashchange', onHash)
  tryReveal()
  return () => {
    off()
    cancelAnimationFrame(frame)
    window.removeEventListener('hashchange', onHash)
  }
}

type BoardViewProps = { board: Board; room: string; token: string | null; ownerToken: string | null }

function BoardView({ board, room, token, ownerToken }: BoardViewProps) {
  const { editor, sync, text } = board
  useSyncExternalStore(editor.subscribe, editor.getVersion)
  const [help, setHelp] = useState(false)
  const [share, setShare] = useState(false)
  const [access, setAccess] = useState<BoardAccessInfo | null>(null)
  /** Asks the server what this page's token gives (again after the owner changed the board's access). */
  const askAccess = useCallback(() => {
    fetchAccess(room, token)
      .then((info) => {
        setAccess(info)
        // Known before the welcome: no moment in which a viewer's tools look usable.
        if (info.role === 'view') editor.setReadOnly(true)
      })
      .catch(() => {})
  }, [room, token, editor])
  useEffect(askAccess, [askAccess])
  useEffect(prefetchLazy, [])
  useEffect(() => revealLinkedShape(board), [board])
  const startText = useCallback(
    (id: string) => {
      if (!editor.readOnly) text.start(id)
    },
    [editor, text],
  )
  const [menu, setMenu] = useState(false)
  const [contextMenu, setContextMenu] = useState<ContextMenuAt | null>(null)
  const closeContextMenu = useCallback(() => setContextMenu(null), [])
  const [darkExport, setDarkExport] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const fileInput = useRef<HTMLInputElement>(null)
  useLayer(menu, () => setMenu(false), false)

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // Esc closes the newest dialog, menu or prompt first; only then does it act on the board.
      if (e.key === 'Escape' && layers.closeTop()) {
        e.preventDefault()
        focusCanvas()
        return
      }
      const editSelected = () => {
        const [only] = editor.getSelectedShapes()
        if (only && editor.selectedIds.size === 1) startText(only.id)
      }
      if (
        handleShortcut(editor, e, { toggleHelp: () => setHelp((h) => !h), editSelected }, layers.takesKeys(e))
      ) {
        e.preventDefault()
      }
    }
    const onCopy = (e: ClipboardEvent) => {
      if (!isClipboardForBoard(e.target, layers.takesKeys())) return
      const data = editor.copySelection()
      if (!data) return
      const json = JSON.stringify(data)
      e.clipboardData?.setData('text/plain', json)
      localStorage.setItem(CLIPBOARD_KEY, json)
      e.preventDefault()
      if (e.type === 'cut') editor.deleteSelected()
    }
    const onPaste = (e: ClipboardEvent) => {
      if (!isClipboardForBoard(e.target, layers.takesKeys())) return
      const text = e.clipboardData?.getData('text/plain') || localStorage.getItem(CLIPBOARD_KEY) || ''
      const data = parseClipboard(text)
      if (!data) return
      e.preventDefault()
      editor.paste(data)
    }
    window.addEventListener('keydown', onKey)
    document.addEventListener('copy', onCopy)
    document.addEventListener('cut', onCopy)
    document.addEventListener('paste', onPaste)
    return () => {
      window.removeEventListener('keydown', onKey)
      document.removeEventListener('copy', onCopy)
      document.removeEventListener('cut', onCopy)
      document.removeEventListener('paste', onPaste)
    }
  }, [editor, startText])

  const exportShapes = () => {
    const sel = editor.getSelectedShapes()
    return sel.length > 0 ? sel : [...editor.getShapes()]
  }
  const run = (fn: () => unknown) => () => {
    setMenu(false)
    Promise.resolve()
      .then(fn)
      .catch((err: Error) => setError(err.message))
  }

  return (
    <div className="app">
      <Canvas editor={editor} text={text} onDoubleClickShape={startText} onContextMenu={setContextMenu} />
      <TextEditorOverlay editor={editor} text={text} />
      <LockPrompt text={text} />
      <Notices editor={editor} />
      <div className="top-left">
        <button
          type="button"
          className="panel menu-button"
          data-testid="menu"
          aria-label="Menu"
          onClick={() => setMenu((m) => !m)}
        >
          ☰
        </button>
        {menu && (
          <div className="menu panel" role="menu">
            <button
              type="button"
              role="menuitem"
              data-testid="export.png"
              onClick={run(async () =>
                download(
                  `easel-${room}.png`,
                  await (await loadExportImage()).toPng(exportShapes(), 2, darkExport),
                ),
              )}
            >
              Export PNG
            </button>
            <button
              type="button"
              role="menuitem"
              data-testid="export.svg"
              onClick={run(async () =>
                download(
                  `easel-${room}.svg`,
                  (await loadExportImage()).toSvg(exportShapes(), 32, darkExport),
                  'image/svg+xml',
                ),
              )}
            >
              Export SVG
            </button>
            <label className="menu-check">
              <input
                type="checkbox"
                data-testid="export.dark"
                checked={darkExport}
                onChange={(e) => setDarkExport(e.target.checked)}
              />
              Dark PNG/SVG export
            </label>
            <button
              type="button"
              role="menuitem"
              data-testid="export.json"
              onClick={run(() => downloadBoardFile(room, exportShapes()))}
            >
              Export JSON
            </button>
            <button
              type="button"
              role="menuitem"
              data-testid="import.json"
              disabled={editor.readOnly}
              onClick={() => fileInput.current?.click()}
            >
              Import JSON…
            </button>
            <button type="button" role="menuitem" data-testid="help" onClick={run(() => setHelp(true))}>
              Keyboard shortcuts
            </button>
            <a role="menuitem" href="/" target="_blank" rel="noreferrer">
              New board
            </a>
            <ThemeMenu />
          </div>
        )}
        <input
          ref={fileInput}
          type="file"
          accept="application/json,.json"
          data-testid="import.file"
          hidden
          onChange={async (e) => {
            const file = e.target.files?.[0]
            e.target.value = ''
            setMenu(false)
            if (!file) return
            try {
              const data = parseBoardFile(await file.text())
              editor.importShapes(data.shapes)
            } catch (err) {
              setError((err as Error).message)
            }
          }}
        />
      </div>
      <Toolbar editor={editor} />
      <div className="share-bar">
        <button
          type="button"
          className="panel share-button"
          data-testid="share"
          onClick={() => setShare(true)}
        >
          Share
        </button>
        {editor.readOnly && (
          <span
            className="view-only-badge panel"
            data-testid="view-only"
            title="You can look, but not change this board"
          >
            View only
          </span>
        )}
      </div>
      <People
        editor={editor}
        onRename={(name) => {
          saveUserName(name)
          editor.setUserName(name)
          sync.name = name
        }}
      />
      <StylePanel editor={editor} />
      <div className="bottom-left">
        <div className="panel zoom">
          <button type="button" data-testid="zoom.out" aria-label="Zoom out" onClick={() => editor.zoomOut()}>
            −
          </button>
          <button type="button" data-testid="zoom.reset" title="Reset zoom" onClick={() => editor.zoomTo(1)}>
            {Math.round(editor.camera.z * 100)}%
          </button>
          <button type="button" data-testid="zoom.in" aria-label="Zoom in" onClick={() => editor.zoomIn()}>
            +
          </button>
          <button
            type="button"
            data-testid="zoom.fit"
            title="Zoom to fit (Shift+1)"
            onClick={() => editor.zoomToFit()}
          >
            ⤢
          </button>
        </div>
        <div className="panel zoom">
          <button
            type="button"
            data-testid="undo"
            aria-label="Undo"
            disabled={!editor.canUndo()}
            onClick={() => editor.undo()}
          >
            ↶
          </button>
          <button
            type="button"
            data-testid="redo"
            aria-label="Redo"
            disabled={!editor.canRedo()}
            onClick={() => editor.redo()}
          >
            ↷
          </button>
        </div>
        <button type="button" className="panel help-button" aria-label="Help" onClick={() => setHelp(true)}>
          ?
        </button>
      </div>
      <ConnectionStatus sync={sync} editor={editor} room={room} />
      <Recovery sync={sync} editor={editor} room={room} />
      {error && (
        <div className="toast panel" role="alert" data-testid="error">
          {error}
          <button type="button" aria-label="Dismiss" onClick={() => setError(null)}>
            ✕
          </button>
        </div>
      )}
      {/* Lazy chunks (ui/lazy.ts): nothing is shown while one loads, a few ms from the same server. */}
      <Suspense fallback={null}>
        {help && <HelpDialog onClose={() => setHelp(false)} />}
        {share && (
          <ShareDialog
            room={room}
            info={access}
            ownerToken={ownerToken}
            onChanged={askAccess}
            onClose={() => setShare(false)}
          />
        )}
      </Suspense>
      {contextMenu && <ContextMenu editor={editor} at={contextMenu} onClose={closeContextMenu} />}
    </div>
  )
}
