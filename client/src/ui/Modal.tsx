import { type ReactNode, useEffect, useRef } from 'react'
import { useLayer } from './layers.ts'

type Props = {
  title: string
  /** data-testid of the dialog, and of its ✕. */
  testId: string
  closeTestId: string
  className?: string
  onClose: () => void
  children: ReactNode
}

/**
 * A modal dialog: a layer that takes every key (nothing reaches the board behind it), closed by
 * Esc, ✕ or a click outside; the ✕ has the focus when it opens.
 */
export function Modal({ title, testId, closeTestId, className, onClose, children }: Props) {
  useLayer(true, onClose, true)
  const close = useRef<HTMLButtonElement>(null)
  useEffect(() => close.current?.focus(), [])
  return (
    <div className="modal-backdrop" onPointerDown={onClose}>
      <div
        className={className ? `modal panel ${className}` : 'modal panel'}
        role="dialog"
        aria-modal="true"
        aria-label={title}
        data-testid={testId}
        onPointerDown={(e) => e.stopPropagation()}
      >
        <div className="modal-head">
          <h2>{title}</h2>
          <button ref={close} type="button" onClick={onClose} aria-label="Close" data-testid={closeTestId}>
            ✕
          </button>
        </div>
        {children}
      </div>
    </div>
  )
}
