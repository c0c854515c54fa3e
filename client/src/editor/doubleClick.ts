import { shapeUtil } from '../shapes/index.ts'
import type { Vec } from './geometry.ts'
import { placeShape } from './tools/PlaceTool.ts'
import type { ToolContext } from './tools/types.ts'

export type DoubleClickContext = ToolContext & { readonly currentToolId: string }

/** What a double-click did. */
export type DoubleClick = 'entered' | 'edit' | 'created' | null

/**
 * A double-click on the board. With the select tool, on a member of a group not entered yet it
 * enters the group and selects that member; on empty canvas it creates a text there and opens its
 * editor (a text left empty is deleted when the editor closes). On a shape with text (inside an
 * entered group, or in none) it edits the text.
 */
export function doubleClickAt(
  editor: DoubleClickContext,
  page: Vec,
  editText: (id: string) => void,
): DoubleClick {
  // Locked shapes are looked through, as by a click.
  const hit = editor.shapeAt(page, (s) => !s.locked)
  const selecting = editor.currentToolId === 'select'
  if (hit && selecting && hit.parent && editor.groups.entered !== hit.parent) {
    editor.groups.enter(hit, (ids) => editor.select(ids))
    return 'entered'
  }
  if (hit) {
    if (!shapeUtil(hit.kind).hasText) return null
    editText(hit.id)
    return 'edit'
  }
  const create = shapeUtil('text').tool.create
  if (!selecting || create.type !== 'place') return null
  placeShape(editor, 'text', create, page)
  return 'created'
}
