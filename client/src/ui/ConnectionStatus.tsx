import { useSyncExternalStore } from 'react'
import type { BoardSync } from '../sync/BoardSync.ts'

/** Connected / reconnecting / offline, with the number of local changes the server has not seen. */
export function ConnectionStatus({ sync }: { sync: BoardSync }) {
  const state = useSyncExternalStore(sync.subscribe, sync.getState)
  const label =
    state.status === 'connected'
      ? state.synced
        ? 'Connected'
        : 'Syncing…'
      : state.status === 'offline'
        ? 'Offline'
        : 'Reconnecting…'
  const pending =
    state.unsynced > 0 ? ` · ${state.unsynced} unsynced change${state.unsynced === 1 ? '' : 's'}` : ''
  return (
    <div
      className={`connection panel ${state.status}`}
      data-testid="connection-status"
      data-status={state.status}
      data-unsynced={state.unsynced}
      title={state.closedReason ?? undefined}
    >
      <span className="dot" />
      {label}
      {pending}
      {state.closedReason ? ` — ${state.closedReason}` : ''}
    </div>
  )
}
