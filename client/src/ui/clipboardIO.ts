import type { ClipboardData } from '../editor/Editor.ts'

/** Where copied shapes are also kept, for pasting when the system clipboard cannot be read. */
export const CLIPBOARD_KEY = 'easel:clipboard'

export function parseClipboard(text: string): ClipboardData | null {
  try {
    const data = JSON.parse(text)
    return data?.type === 'easel/shapes' && Array.isArray(data.shapes) ? (data as ClipboardData) : null
  } catch {
    return null
  }
}

/** Copies shapes from a menu (no clipboard event): to localStorage, and the system clipboard if allowed. */
export function writeClipboard(data: ClipboardData): void {
  const json = JSON.stringify(data)
  try {
    localStorage.setItem(CLIPBOARD_KEY, json)
  } catch {}
  void navigator.clipboard?.writeText(json).catch(() => {})
}

/** Shapes to paste from a menu: the system clipboard if it can be read (quickly), else localStorage. */
export async function readClipboard(): Promise<ClipboardData | null> {
  const system = await Promise.race([
    navigator.clipboard?.readText().catch(() => '') ?? Promise.resolve(''),
    new Promise<string>((r) => setTimeout(() => r(''), 300)),
  ])
  let stored = ''
  try {
    stored = localStorage.getItem(CLIPBOARD_KEY) ?? ''
  } catch {}
  return parseClipboard(system) ?? parseClipboard(stored)
}
