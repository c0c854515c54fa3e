import type { Vec } from '../geometry.ts'
import type { PointerInfo, Tool, ToolContext } from './types.ts'

/** Pans the camera by dragging. */
export class HandTool implements Tool {
  readonly id = 'hand' as const
  private last: Vec | null = null

  constructor(private readonly editor: ToolContext) {}

  get state(): string {
    return this.last ? 'panning' : 'idle'
  }

  get cursor(): string {
    return this.last ? 'grabbing' : 'grab'
  }

  onPointerDown(e: PointerInfo): void {
    this.last = e.screen
  }

  onPointerMove(e: PointerInfo): void {
    if (!this.last) return
    this.editor.panBy(e.screen.x - this.last.x, e.screen.y - this.last.y)
    this.last = e.screen
  }

  onPointerUp(): void {
    this.last = null
  }

  onCancel(): void {
    this.last = null
  }
}
