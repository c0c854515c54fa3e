import { describe, expect, it } from 'vitest'
import { copyText } from './copyText.ts'

/** Just the part of a textarea copyText touches. */
function field() {
  const f = {
    focused: false,
    selected: false,
    focus() {
      f.focused = true
    },
    select() {
      f.selected = true
    },
  }
  return f
}

describe('copyText', () => {
  it('uses the async clipboard where it exists', async () => {
    const written: string[] = []
    const env = { clipboard: { writeText: async (t: string) => void written.push(t) }, execCopy: () => false }
    expect(await copyText('draft', null, env)).toBe('copied')
    expect(written).toEqual(['draft'])
  })

  it('without a clipboard (plain http on a LAN name) selects the text and runs the copy command', async () => {
    const f = field()
    const selectedWhenCopied: boolean[] = []
    const env = {
      execCopy: () => {
        selectedWhenCopied.push(f.selected)
        return true
      },
    }
    expect(await copyText('draft', f as unknown as HTMLTextAreaElement, env)).toBe('copied')
    expect(selectedWhenCopied).toEqual([true])
  })

  it('when nothing can copy, leaves the text selected for Ctrl+C', async () => {
    const f = field()
    const env = {
      clipboard: { writeText: () => Promise.reject(new Error('NotAllowedError')) },
      execCopy: () => {
        throw new Error('unsupported')
      },
    }
    expect(await copyText('draft', f as unknown as HTMLTextAreaElement, env)).toBe('select')
    expect(f).toMatchObject({ focused: true, selected: true })
  })
})
