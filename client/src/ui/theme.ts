import { useSyncExternalStore } from 'react'
import type { KeyValueStorage } from '../sync/roomStorage.ts'

/** What the user chose in the menu; 'system' follows prefers-color-scheme. */
export type ThemeChoice = 'light' | 'dark' | 'system'
export type Theme = 'light' | 'dark'

export const THEME_KEY = 'easel:theme'
const CHOICES: readonly ThemeChoice[] = ['light', 'dark', 'system']

export function readThemeChoice(storage: Pick<KeyValueStorage, 'getItem'> | null): ThemeChoice {
  try {
    const v = storage?.getItem(THEME_KEY)
    return CHOICES.includes(v as ThemeChoice) ? (v as ThemeChoice) : 'system'
  } catch {
    return 'system'
  }
}

export function resolveTheme(choice: ThemeChoice, systemDark: boolean): Theme {
  return choice === 'system' ? (systemDark ? 'dark' : 'light') : choice
}

type ThemeState = { choice: ThemeChoice; theme: Theme }

/**
 * The page's theme: the stored choice, the system setting, and `data-theme` on <html> that the
 * CSS variables (styles.css) key on. The canvas is darkened by a filter there, not per shape.
 */
class ThemeStore {
  private state: ThemeState = { choice: 'system', theme: 'light' }
  private readonly listeners = new Set<() => void>()
  private media: MediaQueryList | null = null
  private storage: KeyValueStorage | null = null

  /** Reads the choice, applies it and follows the system setting from now on. */
  start(): void {
    try {
      this.storage = globalThis.localStorage ?? null
    } catch {
      this.storage = null
    }
    this.media = globalThis.matchMedia?.('(prefers-color-scheme: dark)') ?? null
    this.media?.addEventListener('change', () => this.apply(this.state.choice))
    this.apply(readThemeChoice(this.storage))
  }

  choose(choice: ThemeChoice): void {
    try {
      if (choice === 'system') this.storage?.removeItem(THEME_KEY)
      else this.storage?.setItem(THEME_KEY, choice)
    } catch {
      // Not persisted; the page still switches.
    }
    this.apply(choice)
  }

  private apply(choice: ThemeChoice): void {
    const theme = resolveTheme(choice, !!this.media?.matches)
    this.state = { choice, theme }
    const root = document.documentElement
    root.dataset.theme = theme
    root.style.colorScheme = theme
    for (const l of this.listeners) l()
  }

  get = (): ThemeState => this.state

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}

export const themeStore = new ThemeStore()

export function useTheme(): ThemeState {
  return useSyncExternalStore(themeStore.subscribe, themeStore.get)
}
