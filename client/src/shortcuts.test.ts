import { describe, expect, it } from 'vitest'
import { handleShortcut, isClipboardForBoard, isKeyForBoard, takesText } from './shortcuts.ts'
import { peer } from './editor/testPeer.ts'
import { Layers } from './ui/layers.ts'

/** A stand-in for a DOM element: what the predicate reads of a key event's target. */
function el(tagName: string, props: { type?: string; editable?: boolean; inside?: string } = {}) {
  return {
    tagName,
    type: props.type,
    isContentEditable: !!props.editable,
    closest: (selector: string) => (props.inside && selector.includes(`"${props.inside}"`) ? {} : null),
  }
}
const key = (k: string, target: unknown) => ({ key: k, target: target as EventTarget })

describe('isKeyForBoard', () => {
  it('keys on the page itself or the canvas are for the board', () => {
    for (const k of ['r', 'Escape', 'Delete', 'ArrowLeft', ' ']) {
      expect(isKeyForBoard(key(k, null), false)).toBe(true)
      expect(isKeyForBoard(key(k, el('BODY')), false)).toBe(true)
      expect(isKeyForBoard(key(k, el('DIV')), false)).toBe(true)
    }
  })

  it('never when typed into text fields, selects or contenteditable', () => {
    const fields = [
      el('INPUT'),
      el('INPUT', { type: 'text' }),
      el('INPUT', { type: 'search' }),
      el('INPUT', { type: 'number' }),
      el('TEXTAREA'),
      el('SELECT'),
      el('DIV', { editable: true }),
    ]
    for (const f of fields) {
      for (const k of ['r', 'Escape', 'Delete', 'Backspace', 'ArrowLeft', ' ', 'Enter']) {
        expect(isKeyForBoard(key(k, f), false), `${f.tagName} ${f.type ?? ''} ${k}`).toBe(false)
      }
      expect(takesText(f)).toBe(true)
    }
  })

  it('after using a slider, button or colour input, Esc, Delete and tool keys go to the board', () => {
    const controls = [
      el('INPUT', { type: 'range' }),
      el('INPUT', { type: 'color' }),
      el('INPUT', { type: 'checkbox' }),
      el('BUTTON'),
    ]
    for (const c of controls) {
      expect(takesText(c)).toBe(false)
      for (const k of ['Escape', 'Delete', 'Backspace', 'r', 'v']) {
        expect(isKeyForBoard(key(k, c), false), `${c.tagName} ${c.type ?? ''} ${k}`).toBe(true)
      }
    }
  })

  it('a focused control keeps the keys it uses itself', () => {
    const slider = el('INPUT', { type: 'range' })
    for (const k of [
      'ArrowLeft',
      'ArrowRight',
      'ArrowUp',
      'ArrowDown',
      'Home',
      'End',
      'PageUp',
      'PageDown',
    ]) {
      expect(isKeyForBoard(key(k, slider), false)).toBe(false)
    }
    expect(isKeyForBoard(key('Enter', el('BUTTON')), false)).toBe(false)
    // Space held pans the board, also right after clicking a toolbar button.
    expect(isKeyForBoard(key(' ', el('BUTTON')), false)).toBe(true)
    expect(isKeyForBoard(key(' ', el('INPUT', { type: 'color' })), false)).toBe(false)
    expect(isKeyForBoard(key(' ', el('INPUT', { type: 'checkbox' })), false)).toBe(false)
    // A button does nothing with arrows: they nudge the selection.
    expect(isKeyForBoard(key('ArrowLeft', el('BUTTON')), false)).toBe(true)
  })

  it('never while a layer takes the keys (a modal dialog, the "is editing" prompt)', () => {
    for (const k of ['r', 'o', 'Escape', 'Delete', 'ArrowLeft', '?']) {
      expect(isKeyForBoard(key(k, null), true)).toBe(false)
      expect(isKeyForBoard(key(k, el('BUTTON')), true)).toBe(false)
    }
  })

  it('never for keys typed inside a dialog or menu', () => {
    for (const role of ['dialog', 'alertdialog', 'menu']) {
      const inside = el('BUTTON', { inside: role })
      for (const k of ['r', 'Delete', 'Escape']) expect(isKeyForBoard(key(k, inside), false)).toBe(false)
    }
  })
})

describe('handleShortcut', () => {
  const press = (k: string, target: unknown = null) =>
    ({
      key: k,
      code: '',
      target,
      ctrlKey: false,
      metaKey: false,
      shiftKey: false,
      altKey: false,
    }) as unknown as KeyboardEvent
  const actions = { toggleHelp: () => {}, editSelected: () => {} }

  it('R picks the rectangle tool, but not while a layer takes the keys nor from a text field', () => {
    const { editor } = peer()
    expect(handleShortcut(editor, press('o'), actions, true)).toBe(false)
    expect(editor.currentToolId).toBe('select')
    expect(handleShortcut(editor, press('o', el('TEXTAREA')), actions)).toBe(false)
    expect(editor.currentToolId).toBe('select')
    expect(handleShortcut(editor, press('o', el('INPUT', { type: 'range' })), actions)).toBe(true)
    expect(editor.currentToolId).toBe('ellipse')
  })

  it('Esc from the opacity slider deselects; Delete from it deletes', () => {
    const { editor } = peer()
    const id = editor.createShape('rect', { x: 0, y: 0, w: 10, h: 10 })
    const slider = el('INPUT', { type: 'range' })
    editor.select([id])
    expect(handleShortcut(editor, press('Escape', slider), actions)).toBe(true)
    expect(editor.selectedIds.size).toBe(0)
    editor.select([id])
    expect(handleShortcut(editor, press('Delete', slider), actions)).toBe(true)
    expect(editor.getShape(id)).toBeUndefined()
  })
})

describe('Layers', () => {
  it('Esc closes the newest layer first; none open means Esc is the board’s', () => {
    const layers = new Layers()
    const closed: string[] = []
    const offHelp = layers.add({ close: () => closed.push('help'), takesKeys: true })
    layers.add({ close: () => closed.push('menu'), takesKeys: false })
    expect(layers.takesKeys()).toBe(true)
    expect(layers.closeTop()).toBe(true)
    expect(closed).toEqual(['menu'])
    offHelp()
    expect(layers.takesKeys()).toBe(false)
    const empty = new Layers()
    expect(empty.closeTop()).toBe(false)
  })

  it('the "is editing" prompt takes the keys that type, and copy/paste; shortcuts with a modifier, arrows and Esc still work', () => {
    const layers = new Layers()
    layers.add({ close: () => {}, takesKeys: 'typing' })
    for (const k of ['o', 'R', ' ', '1', 'Delete', 'Backspace', 'Enter'])
      expect(layers.takesKeys({ key: k }), k).toBe(true)
    expect(layers.takesKeys()).toBe(true) // a clipboard event
    for (const e of [
      { key: 'z', ctrlKey: true },
      { key: 'z', metaKey: true },
      { key: 'Escape' },
      { key: 'ArrowLeft' },
    ])
      expect(layers.takesKeys(e), JSON.stringify(e)).toBe(false)
  })
})

describe('isClipboardForBoard', () => {
  it('copy, cut and paste are the board’s, except in text fields, inside dialogs and menus, or behind a layer', () => {
    expect(isClipboardForBoard(null, false)).toBe(true)
    expect(isClipboardForBoard(el('DIV'), false)).toBe(true)
    expect(isClipboardForBoard(el('BUTTON'), false)).toBe(true)
    expect(isClipboardForBoard(el('TEXTAREA'), false)).toBe(false)
    expect(isClipboardForBoard(el('DIV', { inside: 'dialog' }), false)).toBe(false)
    expect(isClipboardForBoard(el('BUTTON', { inside: 'menu' }), false)).toBe(false)
    expect(isClipboardForBoard(el('DIV'), true)).toBe(false)
  })
})
