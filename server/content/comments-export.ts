import type { Thread } from '../../shared/comments.js'
import { ContentFormat } from './formats.js'

/**
 * Exports leave comments out unless asked (`?comments=1`): then the threads follow the text under a
 * "Comments" heading, each with its quote and its comments (author, date, body). Bodies are the
 * authors' plain text: escaped for HTML and Markdown, never interpreted.
 */
export function appendComments(rendered: string, format: ContentFormat, threads: readonly Thread[]): string {
  switch (format) {
    case ContentFormat.Json: {
      const json = JSON.parse(rendered) as Record<string, unknown>
      return JSON.stringify({ ...json, comments: threads })
    }
    case ContentFormat.Markdown:
      return `${rendered.trimEnd()}\n\n${markdownComments(threads)}`
    case ContentFormat.Html:
      return `${rendered}${htmlComments(threads)}`
    case ContentFormat.Text:
      return `${rendered.trimEnd()}\n\n${textComments(threads)}`
  }
}

function byline(comment: Thread['comments'][number]): { name: string; date: string } {
  const unverified = comment.author.isVerified ? '' : ' (unverified)'
  return {
    name: `${comment.author.name}${unverified}`,
    date: comment.createdAt.slice(0, 16).replace('T', ' ') + ' UTC',
  }
}

function status(thread: Thread): string {
  return thread.status === 'resolved' ? ' [resolved]' : ''
}

function markdownComments(threads: readonly Thread[]): string {
  const parts = ['## Comments', '']
  if (threads.length === 0) parts.push('No comments.', '')
  threads.forEach((thread, index) => {
    parts.push(
      `### ${index + 1}. ${thread.quote ? 'On: ' + escapeMarkdown(oneLine(thread.quote)) : 'On the whole document'}${status(thread)}`,
      '',
    )
    for (const comment of thread.comments) {
      const { name, date } = byline(comment)
      parts.push(`- **${escapeMarkdown(name)}**, ${date}:`)
      parts.push(...comment.body.split('\n').map((line) => `  ${escapeMarkdown(line)}`.trimEnd()))
    }
    parts.push('')
  })
  return parts.join('\n').trimEnd() + '\n'
}

function textComments(threads: readonly Thread[]): string {
  const parts = ['Comments', '========', '']
  if (threads.length === 0) parts.push('No comments.', '')
  threads.forEach((thread, index) => {
    parts.push(
      `${index + 1}. ${thread.quote ? `On "${oneLine(thread.quote)}"` : 'On the whole document'}${status(thread)}`,
    )
    for (const comment of thread.comments) {
      const { name, date } = byline(comment)
      parts.push(`   ${name}, ${date}:`)
      parts.push(...comment.body.split('\n').map((line) => `     ${line}`.trimEnd()))
    }
    parts.push('')
  })
  return parts.join('\n').trimEnd() + '\n'
}

function htmlComments(threads: readonly Thread[]): string {
  const items = threads.map((thread) => {
    const quote = thread.quote ? `<blockquote>${escapeHtml(thread.quote)}</blockquote>` : '<p>On the whole document</p>'
    const comments = thread.comments
      .map((comment) => {
        const { name, date } = byline(comment)
        return `<li><p><strong>${escapeHtml(name)}</strong>, <time datetime="${escapeHtml(comment.createdAt)}">${date}</time></p><p style="white-space: pre-wrap">${escapeHtml(comment.body)}</p></li>`
      })
      .join('')
    return `<li>${quote}${thread.status === 'resolved' ? '<p>Resolved</p>' : ''}<ul>${comments}</ul></li>`
  })
  const list = threads.length === 0 ? '<p>No comments.</p>' : `<ol>${items.join('')}</ol>`
  return `<section aria-label="Comments"><h2>Comments</h2>${list}</section>`
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/**
 * Backslash before what Markdown could read as syntax, so the body stays the author's words: inline
 * markup anywhere, and block markers (headings, lists, quotes) where they would start a block.
 */
function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]<>|~!]/g, '\\$&')
    .replace(/^(\s*)([#+-])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/, '$1\\$2')
}
