import { useId, useState } from 'react'
import type { Editor } from '../editor/Editor.ts'
import { downloadBoardFile, toBoardFile } from '../editor/exportBoard.ts'
import type { BoardSync, SyncProblem } from '../sync/BoardSync.ts'
import { reloadFromServer } from '../sync/reloadFromServer.ts'

type Props = { sync: BoardSync; editor: Editor; room: string; problem: SyncProblem; unsynced: number }

/** The client stopped syncing for good: what happened, that the work is kept, and the way back. */
export function ConnectionProblem({ sync, editor, room, problem, unsynced }: Props) {
  const titleId = useId()
  const messageId = useId()
  const [busy, setBusy] = useState(false)
  const [tooBig, setTooBig] = useState(false)
  const [exported, setExported] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const boardJson = () => JSON.stringify(toBoardFile(editor.getShapes()))

  const exportBoard = () => {
    downloadBoardFile(room, editor.getShapes())
    setExported(true)
  }
  const fromServer = (keepCopy: boolean) => {
    setBusy(true)
    setError(null)
    reloadFromServer({
      sync,
      storage: localStorage,
      boardJson: keepCopy ? boardJson() : null,
      reload: () => location.reload(),
    })
      .then((outcome) => {
        if (outcome === 'too-big') {
          setTooBig(true)
          setBusy(false)
        }
      })
      .catch((err: Error) => {
        setError(`Could not clear this browser's copy: ${err.message}`)
        setBusy(false)
      })
  }

  const kept =
    unsynced > 0
      ? `${unsynced} local change${unsynced === 1 ? '' : 's'} the server has not seen ${unsynced === 1 ? 'is' : 'are'} kept in this browser.`
      : 'Everything on this board is kept in this browser.'
  const wayBack = {
    reload: 'Reloading the page keeps this copy and syncs it once the page can.',
    reloadFromServer:
      "Reloading from the server replaces this browser's copy with the server's. Your board is kept aside first, and after the reload you can re-apply your changes. Close other tabs with this board before you do.",
    newBoard: 'Export your board to keep your work; you can import the file into a new board.',
  }[problem.action]

  return (
    <div
      className="connection-problem panel"
      role="alertdialog"
      aria-labelledby={titleId}
      aria-describedby={messageId}
      data-testid="connection-problem"
      data-code={problem.code}
      data-action={problem.action}
    >
      <h2 id={titleId}>{problem.title}</h2>
      <p id={messageId}>{problem.message}</p>
      <p data-testid="connection-problem.kept">
        {kept} {wayBack}
      </p>
      {problem.reason && <p className="connection-problem-reason">The server said: “{problem.reason}”</p>}
      {tooBig && (
        <p role="alert" data-testid="connection-problem.too-big">
          Your board is too large to keep in this browser during the reload. Export it first, then reload
          without keeping a copy and import the file to bring your shapes back.
        </p>
      )}
      {error && <p role="alert">{error}</p>}
      <div className="notice-actions">
        <button type="button" data-testid="connection-problem.export" onClick={exportBoard}>
          Export my board
        </button>
        {problem.action === 'reload' && (
          <button
            type="button"
            className="primary"
            data-testid="connection-problem.reload"
            onClick={() => location.reload()}
          >
            Reload the page
          </button>
        )}
        {problem.action === 'reloadFromServer' &&
          (tooBig ? (
            <button
              type="button"
              className="primary"
              data-testid="connection-problem.reload-discarding"
              disabled={busy || !exported}
              title={exported ? undefined : 'Export your board first'}
              onClick={() => fromServer(false)}
            >
              Reload from the server without a copy
            </button>
          ) : (
            <button
              type="button"
              className="primary"
              data-testid="connection-problem.reload-from-server"
              disabled={busy}
              onClick={() => fromServer(true)}
            >
              {busy ? 'Reloading…' : 'Reload from the server'}
            </button>
          ))}
        {problem.action === 'newBoard' && (
          <button
            type="button"
            className="primary"
            data-testid="connection-problem.new-board"
            onClick={() => location.assign('/')}
          >
            Start a new board
          </button>
        )}
      </div>
    </div>
  )
}
