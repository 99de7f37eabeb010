import { useCallback, useEffect, useState, useSyncExternalStore } from 'react'

export type ThemeChoice = 'system' | 'light' | 'dark'
export type ResolvedTheme = 'light' | 'dark'

const STORAGE_KEY = 'tandem:theme'
const DARK_QUERY = '(prefers-color-scheme: dark)'

function readChoice(): ThemeChoice {
  const stored = localStorage.getItem(STORAGE_KEY)
  return stored === 'light' || stored === 'dark' ? stored : 'system'
}

function subscribeToSystem(onChange: () => void): () => void {
  const query = matchMedia(DARK_QUERY)
  query.addEventListener('change', onChange)
  return () => query.removeEventListener('change', onChange)
}

const systemTheme = (): ResolvedTheme => (matchMedia(DARK_QUERY).matches ? 'dark' : 'light')

/** Follows the OS until the writer picks a side; a pick equal to the OS goes back to following it. */
export function useTheme(): { theme: ResolvedTheme; toggle: () => void } {
  const system = useSyncExternalStore(subscribeToSystem, systemTheme, () => 'light' as const)
  const [choice, setChoice] = useState<ThemeChoice>(readChoice)
  const theme: ResolvedTheme = choice === 'system' ? system : choice

  useEffect(() => {
    document.documentElement.dataset.theme = theme
    document.documentElement.style.colorScheme = theme
  }, [theme])

  const toggle = useCallback(() => {
    const next: ResolvedTheme = theme === 'dark' ? 'light' : 'dark'
    const nextChoice: ThemeChoice = next === system ? 'system' : next
    if (nextChoice === 'system') localStorage.removeItem(STORAGE_KEY)
    else localStorage.setItem(STORAGE_KEY, nextChoice)
    setChoice(nextChoice)
  }, [theme, system])

  return { theme, toggle }
}
