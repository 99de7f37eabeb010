import { useState } from 'react'

interface NameFormProps {
  /** The input's accessible name. */
  label: string
  /** The name it starts with; empty for a version without one. */
  initial: string
  /** Called with the trimmed name; an empty one (allowed when renaming) removes the name. */
  onSubmit: (name: string) => void
  /** Called on Cancel or Escape. */
  onCancel: () => void
}

/** Inline form to name the current version or (re)name a listed one. */
export function NameForm({ label, initial, onSubmit, onCancel }: NameFormProps) {
  const [value, setValue] = useState(initial)
  return (
    <form
      className="history-name-form"
      onSubmit={(event) => {
        event.preventDefault()
        onSubmit(value.trim())
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault()
          onCancel()
        }
      }}
    >
      <input
        aria-label={label}
        placeholder="e.g. Before the rewrite"
        value={value}
        maxLength={200}
        autoFocus
        onChange={(event) => setValue(event.target.value)}
      />
      <div className="history-name-form__actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={value.trim() === '' && initial === ''}>
          Save name
        </button>
      </div>
    </form>
  )
}
