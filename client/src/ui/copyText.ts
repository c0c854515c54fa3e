/** What the browser offers for copying; injected so the fallbacks can be tested without one. */
export type CopyEnv = {
  /** `navigator.clipboard`: absent outside a secure context (plain http on a LAN hostname). */
  clipboard?: Pick<Clipboard, 'writeText'>
  /** `document.execCommand('copy')` on the current selection. */
  execCopy: () => boolean
}

const browserEnv = (): CopyEnv => ({
  clipboard: globalThis.navigator?.clipboard,
  execCopy: () => document.execCommand('copy'),
})

/**
 * Copies `text`: through the async clipboard where there is one, else by selecting `field` (a
 * textarea showing that text) and the legacy copy command. 'select' means neither worked: the
 * text is selected and the user has to press Ctrl+C themselves.
 */
export async function copyText(
  text: string,
  field: HTMLTextAreaElement | null,
  env: CopyEnv = browserEnv(),
): Promise<'copied' | 'select'> {
  if (env.clipboard) {
    try {
      await env.clipboard.writeText(text)
      return 'copied'
    } catch {
      // Denied (permissions, no focus): fall through to the selection.
    }
  }
  field?.focus()
  field?.select()
  try {
    if (env.execCopy()) return 'copied'
  } catch {
    // Some browsers throw instead of returning false.
  }
  return 'select'
}
