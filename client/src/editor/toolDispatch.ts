import type { PointerInfo, Tool, ToolId } from './tools/index.ts'

/**
 * Which tool pointer events go to: the current one, or the hand tool for a press made with the
 * middle button or while space is held (until that press ends, whatever happens to space).
 */
export class ToolDispatch {
  currentId: ToolId = 'select'
  /** Space is held: presses pan whatever the current tool. */
  spaceHeld = false
  /** Tool handling the press in progress. */
  private pressTool: ToolId | null = null

  constructor(
    readonly tools: Record<ToolId, Tool>,
    private readonly onChange: () => void,
  ) {}

  get tool(): Tool {
    return this.tools[this.pressTool ?? (this.spaceHeld ? 'hand' : this.currentId)]
  }

  setTool(id: ToolId): void {
    if (id === this.currentId) return
    this.tools[this.currentId].onExit?.()
    this.currentId = id
    this.tools[id].onEnter?.()
    this.onChange()
  }

  setSpaceHeld(held: boolean): void {
    if (held === this.spaceHeld) return
    this.spaceHeld = held
    this.onChange()
  }

  /** Buttons other than the main one do nothing, except the middle one, which pans. */
  down(e: PointerInfo): void {
    const panning = e.button === 1 || this.spaceHeld
    if (!panning && e.button !== 0) return
    this.pressTool = panning ? 'hand' : this.currentId
    this.tool.onPointerDown?.(e)
  }

  move(e: PointerInfo): void {
    this.tool.onPointerMove?.(e)
  }

  up(e: PointerInfo): void {
    const tool = this.tool
    this.pressTool = null
    tool.onPointerUp?.(e)
    this.onChange()
  }

  cancel(): void {
    const tool = this.tool
    this.pressTool = null
    tool.onCancel?.()
  }
}
