import type { Connection } from './Connection.ts'

/**
 * Typed transaction origins: every change to a room's Y.Doc is made under one of these, so
 * persistence knows what to store and broadcast knows whom to skip.
 */
export type Origin = Connection | typeof ORIGIN_LOAD | typeof ORIGIN_SERVER

/** Replaying the stored log into a freshly loaded document: neither stored again nor broadcast. */
export const ORIGIN_LOAD = Object.freeze({ kind: 'load' as const })
/** The server's own writes (versioned values, migrations): stored and broadcast to everyone. */
export const ORIGIN_SERVER = Object.freeze({ kind: 'server' as const })
