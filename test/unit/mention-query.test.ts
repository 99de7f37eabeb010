import { describe, expect, it } from 'vitest'
import { matchPeople } from '../../client/comments/mention-directory.js'
import { mentionQueryAt, replaceRange } from '../../client/editor/comments/mention-query.js'

describe('the @name being typed in a comment box', () => {
  it('is the word from an @ at the start of the text or after a space up to the caret', () => {
    expect(mentionQueryAt('@Bo', 3)).toEqual({ start: 0, end: 3, query: 'Bo' })
    expect(mentionQueryAt('Hi\n@Bo and', 6)).toEqual({ start: 3, end: 6, query: 'Bo' })
    // The caret inside the word: the filter is what precedes it, a pick replaces the whole word.
    expect(mentionQueryAt('ask @Bobby now', 7)).toEqual({ start: 4, end: 10, query: 'Bo' })
  })

  it('keeps an address typed after the @ (someone without access is offered sharing)', () => {
    expect(mentionQueryAt('@eve@example.com', 16)?.query).toBe('eve@example.com')
  })

  it('is nothing for a lone @, an address mid-word, a written mention or an overlong word', () => {
    expect(mentionQueryAt('hi @', 4)).toBeNull()
    expect(mentionQueryAt('mail ann@example.com', 20)).toBeNull()
    expect(mentionQueryAt('@[Bob](bob@example.com)', 23)).toBeNull()
    expect(mentionQueryAt('@Bob ', 5)).toBeNull()
    expect(mentionQueryAt(`@${'a'.repeat(150)}`, 151)).toBeNull()
    expect(mentionQueryAt('@Bo', 9)).toBeNull()
  })

  it('replaces the word by the mention and puts the caret after it', () => {
    expect(replaceRange('ask @Bo now', 4, 7, '@[Bob](b@x.org) ')).toEqual({
      text: 'ask @[Bob](b@x.org)  now',
      caret: 20,
    })
  })

  it('offers the people whose name or address contains the letters, those starting with them first', () => {
    const people = [
      { name: 'Ann Bolt', email: 'ann@example.com' },
      { name: 'Bob Example', email: 'bob@example.com' },
      { name: 'dan@example.com', email: 'dan@example.com' },
    ]
    expect(matchPeople(people, 'bo').map((person) => person.name)).toEqual(['Bob Example', 'Ann Bolt'])
    expect(matchPeople(people, 'DAN').map((person) => person.name)).toEqual(['dan@example.com'])
    expect(matchPeople(people, 'example.com')).toHaveLength(3)
    expect(matchPeople(people, 'zed')).toEqual([])
  })
})
