/** The budget the flood benchmark's flooders pace themselves against: the server's defaults. */
import { loadConfig } from '@easel/server'

/** The server's defaults: the flooders pace themselves against them. */
export const DEFAULTS = loadConfig([], {})
/** The updater stays this far under the sustained rates. */
export const UNDER_BUDGET = 0.95
/** Points in each of the updater's edits: with the frame rate, about the byte rate. */
export const FLOOD_POINTS = Math.floor(DEFAULTS.rateLimitBytesPerSec / DEFAULTS.rateLimitPerSec / 9.2)
