import { type ThemeChoice, themeStore, useTheme } from './theme.ts'

const LABELS: [ThemeChoice, string][] = [
  ['light', 'Light'],
  ['dark', 'Dark'],
  ['system', 'System'],
]

/** The theme switch in the ☰ menu: light, dark, or as the system says. */
export function ThemeMenu() {
  const { choice } = useTheme()
  return (
    <fieldset className="theme-menu" aria-label="Theme">
      <span>Theme</span>
      <div className="segmented">
        {LABELS.map(([c, label]) => (
          <button
            key={c}
            type="button"
            role="menuitemradio"
            aria-checked={choice === c}
            data-testid={`theme.${c}`}
            className={choice === c ? 'active' : undefined}
            onClick={() => themeStore.choose(c)}
          >
            {label}
          </button>
        ))}
      </div>
    </fieldset>
  )
}
