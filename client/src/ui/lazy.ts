import { lazy } from 'react'

/**
 * What the first frame does not need, split into chunks of their own: image export and the help
 * and share dialogs. Each loads on first use; {@link prefetchLazy} warms them once the board is up,
 * so a page that goes offline later can still export (the chunks are then in the module cache).
 */
const loaders = {
  exportImage: () => import('../editor/exportImage.ts'),
  help: () => import('./HelpDialog.tsx'),
  share: () => import('./ShareDialog.tsx'),
}

export const loadExportImage = loaders.exportImage
export const HelpDialog = lazy(() => loaders.help().then((m) => ({ default: m.HelpDialog })))
export const ShareDialog = lazy(() => loaders.share().then((m) => ({ default: m.ShareDialog })))

/** Fetches every lazy chunk in the background (when the page is idle); failures are left for first use to report. */
export function prefetchLazy(): () => void {
  const go = () => {
    for (const load of Object.values(loaders)) load().catch(() => {})
  }
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(go, { timeout: 3000 })
    return () => cancelIdleCallback(id)
  }
  const t = setTimeout(go, 1000)
  return () => clearTimeout(t)
}
