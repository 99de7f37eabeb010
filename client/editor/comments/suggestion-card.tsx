import { forwardRef, type CSSProperties } from 'react'
import { SuggestionKind, type Suggestion } from '../../../shared/suggestions/suggestions.js'
import { fullDate, relativeTime } from '../relative-time.js'
import { authorColor, SUGGESTION_COLOR_VARIABLE } from '../suggestion-colors.js'
import type { SuggestionActions } from './suggestion-actions.js'
import { describeSuggestion, formatChangeText, shorten } from './suggestion-text.js'

export interface SuggestionCardProps {
  suggestion: Suggestion
  /** The text a format suggestion applies to (it adds and removes no text of its own). */
  formattedText: string
  /** Null: this writer may not decide (comment and view roles). */
  actions: SuggestionActions | null
  isActive: boolean
  onActivate: () => void
}

/**
 * One pending suggestion in the "Comments" sidebar: who, when, what it does, and Accept / Reject
 * for the edit role. Clicking the card makes it active (the editor scrolls to and marks its text).
 */
export const SuggestionCard = forwardRef<HTMLElement, SuggestionCardProps>(function SuggestionCard(
  { suggestion, formattedText, actions, isActive, onActivate },
  ref,
) {
  const titleId = `tandem-suggestion-${suggestion.id}-title`
  const at = Number.isFinite(suggestion.at) && suggestion.at > 0 ? new Date(suggestion.at).toISOString() : null
  const name = suggestion.authorName?.trim() || 'Someone'
  const style = { [SUGGESTION_COLOR_VARIABLE]: authorColor(suggestion.author) } as CSSProperties
  return (
    <article
      ref={ref}
      className="tandem-thread tandem-suggestion"
      data-suggestion-id={suggestion.id}
      data-kind={suggestion.kind}
      data-active={isActive || undefined}
      aria-labelledby={titleId}
      tabIndex={-1}
      style={style}
      onClick={() => !isActive && onActivate()}
      onFocus={(event) => event.target === event.currentTarget && !isActive && onActivate()}
    >
      <h3 className="tandem-thread__title" id={titleId}>
        {`Suggestion by ${name}: ${describeSuggestion(suggestion)}`}
      </h3>
      <div className="tandem-comment__meta">
        <span className="tandem-suggestion__swatch" aria-hidden="true" />
        <span className="tandem-comment__author">{name}</span>
        {at && (
          <time className="tandem-comment__time" dateTime={at} title={fullDate(at)}>
            {relativeTime(at)}
          </time>
        )}
      </div>
      <SuggestionSummary suggestion={suggestion} formattedText={formattedText} />
      {actions && (
        <div className="tandem-thread__actions">
          <button
            type="button"
            className="tandem-comments__button tandem-comments__button--primary"
            onClick={(event) => {
              event.stopPropagation()
              actions.accept(suggestion.id)
            }}
          >
            Accept
          </button>
          <button
            type="button"
            className="tandem-comments__button"
            onClick={(event) => {
              event.stopPropagation()
              actions.reject(suggestion.id)
            }}
          >
            Reject
          </button>
        </div>
      )}
    </article>
  )
})

/** What the suggestion does, with the text it adds in its insertion style and the text it removes struck through. */
function SuggestionSummary({ suggestion, formattedText }: { suggestion: Suggestion; formattedText: string }) {
  const inserted = <ins className="tandem-suggestion__text">{shorten(suggestion.inserted)}</ins>
  const deleted = <del className="tandem-suggestion__text">{shorten(suggestion.deleted)}</del>
  switch (suggestion.kind) {
    case SuggestionKind.Add:
      return (
        <p className="tandem-suggestion__summary">
          <span className="tandem-suggestion__verb">Add:</span> {inserted}
        </p>
      )
    case SuggestionKind.Delete:
      return (
        <p className="tandem-suggestion__summary">
          <span className="tandem-suggestion__verb">Delete:</span> {deleted}
        </p>
      )
    case SuggestionKind.Replace:
      return (
        <p className="tandem-suggestion__summary">
          <span className="tandem-suggestion__verb">Replace</span> {deleted}{' '}
          <span className="tandem-suggestion__verb">with</span> {inserted}
        </p>
      )
    case SuggestionKind.Format:
      return (
        <p className="tandem-suggestion__summary">
          <span className="tandem-suggestion__verb">Format:</span> {formatChangeText(suggestion)}
          {formattedText && <span className="tandem-suggestion__quote">“{shorten(formattedText)}”</span>}
        </p>
      )
  }
}

/** Bulk decisions over every pending suggestion: above the cards, for the edit role. */
export function SuggestionsBar({ count, actions }: { count: number; actions: SuggestionActions }) {
  return (
    <div className="tandem-suggestions-bar" role="group" aria-label="Suggestions">
      <span className="tandem-suggestions-bar__count">{count === 1 ? '1 suggestion' : `${count} suggestions`}</span>
      <button type="button" className="tandem-comments__button" onClick={actions.acceptAll}>
        Accept all
      </button>
      <button type="button" className="tandem-comments__button" onClick={actions.rejectAll}>
        Reject all
      </button>
    </div>
  )
}
