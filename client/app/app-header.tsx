import type { ReactNode } from 'react'
import { Icon } from '../editor/icons.js'
import { AccountControls } from './account-controls.js'
import './app-header.css'

/** The bar on every page: brand (or back link), page content, the account (with sign-in), and the theme toggle at the end. */
export function AppHeader({
  children,
  theme,
  onToggleTheme,
}: {
  children?: ReactNode
  theme: 'light' | 'dark'
  onToggleTheme: () => void
}) {
  return (
    <header className="app-header">
      {children}
      <AccountControls />
      <button
        type="button"
        className="icon-button theme-toggle"
        onClick={onToggleTheme}
        aria-label={theme === 'dark' ? 'Switch to light mode' : 'Switch to dark mode'}
        title={theme === 'dark' ? 'Light mode' : 'Dark mode'}
      >
        <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
      </button>
    </header>
  )
}

export function Brand() {
  return (
    <a className="brand" href="/" aria-label="Tandem, all documents">
      <span className="brand__mark" aria-hidden="true">
        T
      </span>
      <span className="brand__name">Tandem</span>
    </a>
  )
}
