import type { Shape } from '@easel/shared'
import type { Op } from './plan.ts'
import type { SimUser } from './simUser.ts'

const BOXY = (s: Shape) => s.kind !== 'arrow' && s.kind !== 'line' && s.kind !== 'pen'
const TEXTUAL = (s: Shape) => s.kind === 'sticky' || s.kind === 'text'

/**
 * Performs one operation the way the app does it: pointer events through the editor's tools, or
 * the editor operations the UI's buttons and shortcuts call. Returns false when there was nothing
 * to do it on (no shape to pick, page closed).
 */
export function perform(u: SimUser, op: Op, others: readonly SimUser[] = []): boolean {
  if (!u.board) return false
  const editor = u.editor
  const pointer = (x: number, y: number) => editor.pointerInfo({ x, y })
  const pickFrom = (shapes: Shape[], i: number) => (shapes.length ? shapes[i % shapes.length] : undefined)
  const center = (s: Shape) => ({ x: s.x + s.w / 2, y: s.y + s.h / 2 })
  u.stats.ops++
  switch (op.k) {
    case 'create': {
      if (u.text.editing) void u.text.stop()
      editor.setTool(op.kind)
      if (op.kind === 'sticky' || op.kind === 'text') {
        // A click places the note and opens it for editing (the lease is asked for).
        editor.pointerDown(pointer(op.x, op.y))
        editor.pointerUp(pointer(op.x, op.y))
      } else {
        editor.pointerDown(pointer(op.x, op.y))
        for (let i = 1; i <= 4; i++) editor.pointerMove(pointer(op.x + i * 30, op.y + i * 20))
        editor.pointerUp(pointer(op.x + 120, op.y + 80))
      }
      editor.setTool('select')
      return true
    }
    case 'move': {
      const s = pickFrom(u.visibleShapes(BOXY), op.pick)
      if (!s) return false
      editor.setTool('select')
      const c = center(s)
      editor.pointerDown(pointer(c.x, c.y))
      for (let i = 1; i <= 5; i++) editor.pointerMove(pointer(c.x + (op.dx * i) / 5, c.y + (op.dy * i) / 5))
      editor.pointerUp(pointer(c.x + op.dx, c.y + op.dy))
      return true
    }
    case 'style': {
      const s = pickFrom(u.visibleShapes(), op.pick)
      if (!s) return false
      editor.select([s.id])
      editor.setStyle({ stroke: op.color })
      editor.select([])
      return true
    }
    case 'delete': {
      const s = pickFrom(u.visibleShapes(), op.pick)
      if (!s) return false
      editor.select([s.id])
      editor.deleteSelected()
      return true
    }
    case 'group': {
      const shapes = u.visibleShapes()
      const ids = [
        ...new Set(op.picks.map((i) => pickFrom(shapes, i)?.id).filter((id): id is string => !!id)),
      ]
      if (ids.length < 2) return false
      editor.select(ids)
      editor.groupSelected()
      editor.select([])
      return true
    }
    case 'ungroup': {
      const s = pickFrom(
        u.visibleShapes((x) => !!x.parent),
        op.pick,
      )
      if (!s) return false
      editor.select(editor.withGroups([s.id]))
      editor.ungroupSelected()
      editor.select([])
      return true
    }
    case 'bind': {
      const shapes = u.visibleShapes(BOXY)
      const a = pickFrom(shapes, op.from)
      const b = pickFrom(shapes, op.to)
      if (!a || !b || a.id === b.id) return false
      editor.setTool('arrow')
      const from = center(a)
      const to = center(b)
      editor.pointerDown(pointer(from.x, from.y))
      for (let i = 1; i <= 4; i++) {
        editor.pointerMove(pointer(from.x + ((to.x - from.x) * i) / 4, from.y + ((to.y - from.y) * i) / 4))
      }
      editor.pointerUp(pointer(to.x, to.y))
      editor.setTool('select')
      return true
    }
    case 'undo':
      editor.undo()
      return true
    case 'redo':
      editor.redo()
      return true
    case 'editText': {
      const followed = op.of === undefined ? undefined : others[op.of]?.board?.text.editing?.shapeId
      const s = followed ? editor.getShape(followed) : pickFrom(u.visibleShapes(TEXTUAL), op.pick)
      if (!s) return false
      // A double-click on the note; typing may start at once (before the lease is granted).
      u.text.start(s.id)
      return true
    }
    case 'type': {
      const ed = u.text.editing
      if (!ed || ed.status === 'lost') return false
      const next = ed.draft ? `${ed.draft} ${op.word}` : op.word
      u.text.input(next)
      if (u.text.editing?.shapeId === ed.shapeId && u.text.editing.draft === next)
        u.typed.set(ed.shapeId, next)
      return true
    }
    case 'stopEditing':
      if (!u.text.editing && !u.text.request) return false
      if (u.text.request) u.text.cancelRequest()
      void u.text.stop()
      return true
    case 'actOnNotice': {
      const notice = [...editor.notices].reverse().find((n) => n.actions.length > 0)
      if (!notice) return false
      editor.dismissNotice(notice.id)
      notice.actions[0]!.run()
      return true
    }
  }
}
