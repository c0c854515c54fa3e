import { useEffect, useRef } from 'react'

/** Something open above the board: a dialog, the menu, a prompt. */
export type Layer = {
  /** Esc: closes it (or hides it, where closing would throw work away). */
  close: () => void
  /**
   * While open, no key reaches the board (true: modal dialogs), or none of those that type
   * ('typing': the "X is editing this" prompt, where the user meant to type into the note).
   */
  takesKeys: boolean | 'typing'
}

type KeyLike = { key: string; ctrlKey?: boolean; metaKey?: boolean }

/** Keys that type (or erase) text, as opposed to shortcuts with a modifier, arrows or Esc. */
function types(e: KeyLike): boolean {
  if (e.key === 'Backspace' || e.key === 'Delete' || e.key === 'Enter') return true
  return e.key.length === 1 && !e.ctrlKey && !e.metaKey
}

/** The open layers, newest last: Esc closes the newest one. */
export class Layers {
  private readonly open: Layer[] = []

  add(layer: Layer): () => void {
    this.open.push(layer)
    return () => {
      const i = this.open.indexOf(layer)
      if (i >= 0) this.open.splice(i, 1)
    }
  }

  /** Closes the newest layer; false when none is open (Esc then goes to the board). */
  closeTop(): boolean {
    const top = this.open.at(-1)
    if (!top) return false
    top.close()
    return true
  }

  /** Whether an open layer takes this key (no key: a clipboard event, which types too). */
  takesKeys(e?: KeyLike): boolean {
    return this.open.some((l) => l.takesKeys === true || (l.takesKeys === 'typing' && (!e || types(e))))
  }
}

/** The page's layers (one board per page). */
export const layers = new Layers()

/** Focuses the board, so keys typed next are its shortcuts. */
export function focusCanvas(): void {
  document.querySelector<HTMLElement>('[data-testid="canvas"]')?.focus({ preventScroll: true })
}

/**
 * Registers an open layer while `open`; when it closes and focus had been inside it (now lost
 * to the body), focus goes back to the canvas.
 */
export function useLayer(open: boolean, close: () => void, takesKeys: Layer['takesKeys']): void {
  const latest = useRef(close)
  latest.current = close
  useEffect(() => {
    if (!open) return
    const off = layers.add({ close: () => latest.current(), takesKeys })
    return () => {
      off()
      queueMicrotask(() => {
        const active = document.activeElement
        if (!active || active === document.body) focusCanvas()
      })
    }
  }, [open, takesKeys])
}
