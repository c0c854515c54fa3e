import { Rect } from '../shapes/konva.ts'
import type { Editor } from '../editor/Editor.ts'
import { type Box, boxesIntersect, viewportBox } from '../editor/geometry.ts'
import { selectionOutlines } from '../editor/groups.ts'

const COLOR = '#6965db'
/** Screen pixels between a group's members and its frame. */
const GROUP_PAD = 6
/** Most shape outlines drawn (a select-all on a huge board outlines what is in view, up to this). */
const MAX_OUTLINES = 500

/**
 * How groups and multi-selections look (page space, zoom `z`): a selected group has one dashed
 * frame around all its members; the other shapes of a multi-selection each get a thin outline.
 * The group under the pointer, and the entered group, show their frame faintly.
 */
export function GroupFrames({ editor, z }: { editor: Editor; z: number }) {
  const { groups } = editor
  const outlines = selectionOutlines(editor.getSelectedShapes(), groups)
  const view = viewportBox(editor.camera, editor.viewportSize)
  const shapeOutlines = outlines.shapes.filter((o) => boxesIntersect(o.box, view)).slice(0, MAX_OUTLINES)
  const framed = new Set(outlines.groups.map((g) => g.id))
  const faint = [groups.entered, groups.hovered].filter(
    (g, i, all): g is string => !!g && !framed.has(g) && all.indexOf(g) === i,
  )
  const frame = (key: string, box: Box, testId: string, opacity: number) => (
    <Rect
      key={key}
      name={testId}
      x={box.x - GROUP_PAD / z}
      y={box.y - GROUP_PAD / z}
      width={box.w + (2 * GROUP_PAD) / z}
      height={box.h + (2 * GROUP_PAD) / z}
      stroke={COLOR}
      strokeWidth={1.5 / z}
      dash={[6 / z, 4 / z]}
      cornerRadius={4 / z}
      opacity={opacity}
      listening={false}
    />
  )
  return (
    <>
      {faint.map((g) => {
        const box = groups.bounds(g)
        return box && frame(`faint:${g}`, box, 'group-frame-faint', 0.45)
      })}
      {outlines.groups.map(({ id, box }) => frame(`group:${id}`, box, 'group-frame', 1))}
      {shapeOutlines.map(({ id, box }) => (
        <Rect
          key={`outline:${id}`}
          name="selection-outline"
          x={box.x - 2 / z}
          y={box.y - 2 / z}
          width={box.w + 4 / z}
          height={box.h + 4 / z}
          stroke={COLOR}
          strokeWidth={1 / z}
          opacity={0.8}
          listening={false}
        />
      ))}
    </>
  )
}
