import { useState, useSyncExternalStore } from 'react'
import type { Editor } from '../editor/Editor.ts'
import type { BoardSync } from '../sync/BoardSync.ts'
import { ConnectionProblem } from './ConnectionProblem.tsx'
import { useLayer } from './layers.ts'

/**
 * Connected / reconnecting / offline, with the number of local changes the server has not seen;
 * and, when the client stopped for good, the panel that says why and offers a way back (Esc hides
 * it; "Details" on the indicator shows it again).
 */
export function ConnectionStatus({ sync, editor, room }: { sync: BoardSync; editor: Editor; room: string }) {
  const state = useSyncExternalStore(sync.subscribe, sync.getState)
  const [hidden, setHidden] = useState(false)
  useLayer(!!state.problem && !hidden, () => setHidden(true), false)
  const label =
    state.status === 'connected'
      ? state.synced
        ? 'Connected'
        : 'Syncing…'
      : state.status === 'offline'
        ? 'Offline'
        : state.retrying?.backoff === 'slow'
          ? 'Reconnecting slowly…'
          : 'Reconnecting…'
  const pending =
    state.unsynced > 0 ? ` · ${state.unsynced} unsynced change${state.unsynced === 1 ? '' : 's'}` : ''
  return (
    <>
      <div
        className={`connection panel ${state.status}`}
        data-testid="connection-status"
        data-status={state.status}
        data-unsynced={state.unsynced}
        data-close-code={state.problem?.code ?? state.retrying?.code}
        title={state.problem?.title ?? state.retrying?.message}
      >
        <span className="dot" />
        {label}
        {pending}
        {state.problem && hidden && (
          <button type="button" data-testid="connection-status.details" onClick={() => setHidden(false)}>
            Details
          </button>
        )}
      </div>
      {state.problem && !hidden && (
        <ConnectionProblem
          sync={sync}
          editor={editor}
          room={room}
          problem={state.problem}
          unsynced={state.unsynced}
        />
      )}
    </>
  )
}
