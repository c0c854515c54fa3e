import { z } from 'zod'
import { crdtProps, SCHEMA_VERSION, type Shape, versionedValues } from '@easel/shared'
import type { ClipboardData } from './Editor.ts'

/** The JSON file format: shapes with their tier-1 props and their text. */
export const boardFile = z.object({
  type: z.literal('easel/board'),
  schemaVersion: z.number().int(),
  shapes: z
    .array(crdtProps.extend({ id: z.string().max(64), text: versionedValues.shape.text.unwrap().optional() }))
    .max(100_000),
})
export type BoardFile = z.infer<typeof boardFile>

export function toBoardFile(shapes: readonly Shape[]): BoardFile {
  return {
    type: 'easel/board',
    schemaVersion: SCHEMA_VERSION,
    shapes: shapes.map((s) => ({ ...crdtProps.parse(s), id: s.id, ...(s.text ? { text: s.text } : {}) })),
  }
}

/** Parses an exported file; throws an Error whose message says what is wrong. */
export function parseBoardFile(text: string): ClipboardData {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new Error('The file is not JSON.')
  }
  const parsed = boardFile.safeParse(raw)
  if (!parsed.success) throw new Error(`Not an Easel board file: ${z.prettifyError(parsed.error)}`)
  if (parsed.data.schemaVersion > SCHEMA_VERSION) {
    throw new Error(`The file was made by a newer Easel (schema v${parsed.data.schemaVersion}).`)
  }
  return { type: 'easel/shapes', shapes: parsed.data.shapes }
}

/** Saves shapes as the board file `easel-<room>.json` (what "Import JSON" reads back). */
export function downloadBoardFile(room: string, shapes: readonly Shape[]): void {
  download(`easel-${room}.json`, JSON.stringify(toBoardFile(shapes), null, 2), 'application/json')
}

export function download(name: string, data: Blob | string, type = 'application/octet-stream'): void {
  const blob = typeof data === 'string' ? new Blob([data], { type }) : data
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
