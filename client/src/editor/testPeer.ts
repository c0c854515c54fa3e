import { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import type { FakeRoom } from '../testing/FakeRoom.ts'
import { Editor, type EditorOptions } from './Editor.ts'

export type Peer = { doc: Y.Doc; editor: Editor; frames: (() => void)[] }

/** An editor on its own doc, with a hand-flushed frame scheduler. */
export function peer(name = 'Ada', awareness = false, options: Partial<EditorOptions> = {}): Peer {
  const doc = new Y.Doc()
  const frames: (() => void)[] = []
  const editor = new Editor(doc, {
    user: { id: name, name, color: '#e03131' },
    scheduleFrame: (cb) => frames.push(cb),
    awareness: awareness ? new Awareness(doc) : undefined,
    presenceIntervalMs: 0,
    liveWriteIntervalMs: 0,
    ...options,
  })
  editor.setViewportSize(1000, 800)
  return { doc, editor, frames }
}

/** Connects two docs both ways, delivering updates immediately (an in-memory socket pair). */
export function link(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== b && Y.applyUpdate(b, u, a))
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== a && Y.applyUpdate(a, u, b))
}

export const flush = (p: Peer) => {
  for (const f of p.frames.splice(0)) f()
}

export function drag(
  p: Peer,
  from: [number, number],
  to: [number, number],
  opts: { shift?: boolean; alt?: boolean; button?: number; steps?: number } = {},
) {
  const { editor } = p
  const mods = { shift: !!opts.shift, alt: !!opts.alt, button: opts.button ?? 0 }
  editor.pointerDown(editor.pointerInfo({ x: from[0], y: from[1] }, mods))
  const steps = opts.steps ?? 4
  for (let i = 1; i <= steps; i++) {
    const t = i / steps
    editor.pointerMove(
      editor.pointerInfo({ x: from[0] + (to[0] - from[0]) * t, y: from[1] + (to[1] - from[1]) * t }, mods),
    )
  }
  editor.pointerUp(editor.pointerInfo({ x: to[0], y: to[1] }, mods))
}

export function click(p: Peer, x: number, y: number, shift = false) {
  p.editor.pointerDown(p.editor.pointerInfo({ x, y }, { shift }))
  p.editor.pointerUp(p.editor.pointerInfo({ x, y }, { shift }))
}

/** A user joining a FakeRoom board: an editor that commits through the room, frames run at once. */
export function roomEditor(room: FakeRoom, name: string) {
  const peer = room.join(name)
  const editor = new Editor(peer.doc, {
    user: { id: name, name, color: '#e03131' },
    commits: peer.commits,
    scheduleFrame: (cb) => cb(),
    liveWriteIntervalMs: 0,
  })
  editor.setViewportSize(1000, 800)
  return { peer, editor }
}

/** Delivers everything in flight in the room, answers included (a few rounds of the event loop). */
export async function settle(room: FakeRoom): Promise<void> {
  for (let i = 0; i < 10; i++) {
    room.deliver()
    await new Promise((r) => setTimeout(r, 0))
  }
}
