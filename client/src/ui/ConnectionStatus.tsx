import { useSyncExternalStore } from 'react'
import type { Editor } from '../editor/Editor.ts'
import type { BoardSync } from '../sync/BoardSync.ts'
import { ConnectionProblem } from './ConnectionProblem.tsx'

/**
 * Connected / reconnecting / offline, with the number of local changes the server has not seen;
 * and, when the client stopped for good, the panel that says why and offers a way back.
 */
export function ConnectionStatus({ sync, editor, room }: { sync: BoardSync; editor: Editor; room: string }) {
  const state = useSyncExternalStore(sync.subscribe, sync.getState)
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
      </div>
      {state.problem && (
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
