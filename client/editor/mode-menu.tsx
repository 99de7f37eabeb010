import { useEffect, useId, useLayoutEffect, useRef, useState, type CSSProperties, type KeyboardEvent } from 'react'
import { createPortal } from 'react-dom'
import { EditorMode } from './editor-mode.js'
import { Icon, type IconName } from './icons.js'

/** What the menu says of each mode (Google Docs' words, so reviewers recognise them). */
const MODE_INFO: Record<EditorMode, { label: string; description: string; icon: IconName }> = {
  [EditorMode.Editing]: { label: 'Editing', description: 'Edit the document directly', icon: 'pencil' },
  [EditorMode.Suggesting]: {
    label: 'Suggesting',
    description: 'Edits become suggestions to accept or reject',
    icon: 'suggest',
  },
  [EditorMode.Viewing]: { label: 'Viewing', description: 'Read the document without changing it', icon: 'eye' },
}

export function modeLabel(mode: EditorMode): string {
  return MODE_INFO[mode].label
}

export interface ModeMenuProps {
  mode: EditorMode
  modes: readonly EditorMode[]
  onChange: (mode: EditorMode) => void
  /** In a toolbar without formatting buttons (Viewing), the menu button is the toolbar's tab stop. */
  isTabStop?: boolean
}

/**
 * The toolbar's mode menu: a button named "Mode: <mode>" opening a menu of radio items, one per mode the
 * role allows. Arrow keys move between items, Escape closes and gives focus back to the button.
 */
export function ModeMenu({ mode, modes, onChange, isTabStop = false }: ModeMenuProps) {
  const [isOpen, setOpen] = useState(false)
  const rootRef = useRef<HTMLDivElement>(null)
  const buttonRef = useRef<HTMLButtonElement>(null)
  const menuRef = useRef<HTMLDivElement>(null)
  const menuId = useId()
  const info = MODE_INFO[mode]
  const place = useMenuPlace(buttonRef, isOpen)

  // A press outside closes the menu.
  useEffect(() => {
    if (!isOpen) return
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node
      if (!rootRef.current?.contains(target) && !menuRef.current?.contains(target)) setOpen(false)
    }
    document.addEventListener('pointerdown', onPointerDown)
    return () => document.removeEventListener('pointerdown', onPointerDown)
  }, [isOpen])

  // Opening puts focus on the current mode's item.
  useEffect(() => {
    if (isOpen && place) menuRef.current?.querySelector<HTMLElement>('[aria-checked="true"]')?.focus()
  }, [isOpen, place])

  const close = () => {
    setOpen(false)
    buttonRef.current?.focus()
  }

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    // The toolbar's own arrow-key roving must not run while inside the menu.
    event.stopPropagation()
    const items = [...(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitemradio"]') ?? [])]
    const index = items.indexOf(document.activeElement as HTMLElement)
    if (event.key === 'Escape' || event.key === 'Tab') {
      if (event.key === 'Escape') event.preventDefault()
      close()
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      const step = event.key === 'ArrowDown' ? 1 : -1
      items[(index + step + items.length) % items.length]?.focus()
    } else if (event.key === 'Home' || event.key === 'End') {
      event.preventDefault()
      items[event.key === 'Home' ? 0 : items.length - 1]?.focus()
    }
  }

  return (
    <div className="tandem-toolbar__group tandem-mode-menu" ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        className="tandem-toolbar__button tandem-toolbar__button--text tandem-mode-menu__button"
        data-toolbar-item
        data-mode={mode}
        tabIndex={isTabStop ? 0 : -1}
        aria-label={`Mode: ${info.label}`}
        aria-haspopup="menu"
        aria-expanded={isOpen}
        aria-controls={isOpen ? menuId : undefined}
        title={`${info.label}: ${info.description.toLowerCase()}`}
        onMouseDown={(event) => event.preventDefault()}
        onClick={() => setOpen(!isOpen)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && !isOpen) {
            event.preventDefault()
            setOpen(true)
          }
        }}
      >
        <Icon name={info.icon} />
        <span className="tandem-mode-menu__label">{info.label}</span>
        <Icon name="chevronDown" size={14} />
      </button>
      {isOpen &&
        place &&
        createPortal(
          <div
            ref={menuRef}
            className="tandem-mode-menu__items"
            role="menu"
            id={menuId}
            aria-label="Mode"
            style={place.style}
            onKeyDown={onMenuKeyDown}
          >
            {modes.map((item) => {
              const itemInfo = MODE_INFO[item]
              return (
                <button
                  key={item}
                  type="button"
                  role="menuitemradio"
                  aria-checked={item === mode}
                  aria-label={itemInfo.label}
                  aria-description={itemInfo.description}
                  className="tandem-mode-menu__item"
                  tabIndex={-1}
                  onMouseDown={(event) => event.preventDefault()}
                  onClick={() => {
                    onChange(item)
                    close()
                  }}
                >
                  <Icon name={itemInfo.icon} />
                  <span className="tandem-mode-menu__text">
                    <span className="tandem-mode-menu__item-label">{itemInfo.label}</span>
                    <span className="tandem-mode-menu__description">{itemInfo.description}</span>
                  </span>
                  {item === mode && <Icon name="check" size={16} />}
                </button>
              )
            })}
          </div>,
          place.container,
        )}
    </div>
  )
}

/** Width of the menu, in pixels (tandem-editor.css gives it the same). */
const MENU_WIDTH_PX = 288

/**
 * Where the open menu goes: fixed under its button, inside the editor's root element (so the theme's
 * variables apply) but outside the toolbar, which scrolls sideways on phones and would clip it.
 */
function useMenuPlace(
  buttonRef: { current: HTMLButtonElement | null },
  isOpen: boolean,
): { container: HTMLElement; style: CSSProperties } | null {
  const [place, setPlace] = useState<{ container: HTMLElement; style: CSSProperties } | null>(null)
  useLayoutEffect(() => {
    if (!isOpen) {
      setPlace(null)
      return
    }
    const measure = () => {
      const button = buttonRef.current
      if (!button) return
      const container = button.closest<HTMLElement>('.tandem-editor') ?? document.body
      const rect = button.getBoundingClientRect()
      const width = Math.min(MENU_WIDTH_PX, window.innerWidth - 16)
      const left = Math.max(8, Math.min(rect.right - width, window.innerWidth - width - 8))
      setPlace({ container, style: { position: 'fixed', top: rect.bottom + 4, left, width } })
    }
    measure()
    window.addEventListener('resize', measure)
    return () => window.removeEventListener('resize', measure)
  }, [buttonRef, isOpen])
  return place
}
