import type { IncomingHttpHeaders } from 'node:http'

/** `scheme://host[:port]` in lower case, or null for something that is not an origin. */
function normalise(origin: string): string | null {
  try {
    const url = new URL(origin.trim())
    return url.origin === 'null' ? null : url.origin.toLowerCase()
  } catch {
    return null
  }
}

/**
 * Whether a socket upgrade may proceed given its `Origin` (against cross-site WebSocket hijacking:
 * a page on another site opening sockets with a visitor's browser). Allowed: no Origin (not a
 * browser), the same host as the request's `Host` header over any scheme (a LAN hostname over
 * plain http works), an origin in `allowed` (comma-separated), or anything when `allowed` is `*`.
 */
export function originAllowed(headers: IncomingHttpHeaders, allowed: string): boolean {
  const origin = headers.origin
  if (origin === undefined) return true
  const list = allowed
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (list.includes('*')) return true
  const normalised = normalise(origin)
  if (normalised === null) return false
  const url = new URL(normalised)
  // The Host header read with the Origin's scheme, so a default port written out still matches.
  if (headers.host !== undefined && normalise(`${url.protocol}//${headers.host}`) === normalised) return true
  return list.some((entry) => normalise(entry) === normalised)
}
