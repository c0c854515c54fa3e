/**
 * Random identifiers. Built on `crypto.getRandomValues` (through lib0), never on
 * `crypto.randomUUID`: a self-hosted board is often opened over plain http on a LAN hostname,
 * which is not a secure context, and there `randomUUID` does not exist.
 */
import { uuidv4 } from 'lib0/random'

/** A random RFC 4122 version-4 UUID. Works in secure and non-secure browser contexts and in Node. */
export function randomUuid(): string {
  return uuidv4()
}

/** A new shape id: 12 hex characters (48 random bits), valid under `SHAPE_ID_PATTERN`. */
export function newShapeId(): string {
  return uuidv4().replace(/-/g, '').slice(0, 12)
}

/** A new commit idempotency key. */
export function newOpId(): string {
  return uuidv4()
}
