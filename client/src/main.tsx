import { lazy, StrictMode, Suspense } from 'react'
import { createRoot } from 'react-dom/client'
import { isValidRoomId } from '@easel/shared'
import { App } from './App.tsx'
import { markCreated, newRoomId } from './identity.ts'
import { themeStore } from './ui/theme.ts'
import './styles.css'

/** `/` opens a new board; `/b/<room>` opens that board; `/admin` is the dashboard. */
function roomFromUrl(): string {
  const m = /^\/b\/([^/]+)\/?$/.exec(location.pathname)
  const room = m ? decodeURIComponent(m[1]!) : null
  if (room && isValidRoomId(room)) return room
  const fresh = newRoomId()
  // This browser made the board up: it claims it and becomes its owner.
  markCreated(fresh)
  history.replaceState(null, '', `/b/${fresh}${location.search}`)
  return fresh
}

/** `/admin`: the dashboard, a chunk of its own (with uPlot) that a board never loads. */
const AdminPage = lazy(() => import('./admin/AdminPage.tsx').then((m) => ({ default: m.AdminPage })))
const isAdmin = /^\/admin\/?$/.test(location.pathname)

themeStore.start()
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {isAdmin ? (
      <Suspense fallback={null}>
        <AdminPage />
      </Suspense>
    ) : (
      <App room={roomFromUrl()} />
    )}
  </StrictMode>,
)
