import type { Editor } from '@tiptap/core'
import { useEditorState } from '@tiptap/react'
import { useRef, useState, type KeyboardEvent, type ReactNode } from 'react'
import { Icon, type IconName } from './icons.js'

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform)
const mod = isMac ? '⌘' : 'Ctrl+'

/** Which block the cursor is in, for the block-type select. */
type BlockType = 'paragraph' | 'h1' | 'h2' | 'h3' | 'other'

/**
 * The formatting toolbar: one tab stop (arrow keys move between buttons, as WAI-ARIA's toolbar
 * pattern asks), every button labelled with its shortcut, active marks shown with aria-pressed.
 * While Suggesting, what a suggestion cannot hold is left out (images, dividers, tables and their
 * rows and columns: no text to mark) or disabled (block types: lists, quotes, code blocks,
 * headings), as the Suggesting extension refuses those commands.
 */
export function Toolbar({
  editor,
  isSuggesting = false,
  children,
}: {
  editor: Editor
  isSuggesting?: boolean
  children?: ReactNode
}) {
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      isEditable: e.isEditable,
      bold: e.isActive('bold'),
      italic: e.isActive('italic'),
      strike: e.isActive('strike'),
      code: e.isActive('code'),
      link: e.isActive('link'),
      bulletList: e.isActive('bulletList'),
      orderedList: e.isActive('orderedList'),
      taskList: e.isActive('taskList'),
      blockquote: e.isActive('blockquote'),
      codeBlock: e.isActive('codeBlock'),
      table: e.isActive('table'),
      // Only where the editor can upload (the image extension has an uploader).
      canInsertImage: e.can().insertImages([]),
      block: (e.isActive('heading', { level: 1 })
        ? 'h1'
        : e.isActive('heading', { level: 2 })
          ? 'h2'
          : e.isActive('heading', { level: 3 })
            ? 'h3'
            : e.isActive('paragraph')
              ? 'paragraph'
              : 'other') as BlockType,
      canUndo: e.can().undo(),
      canRedo: e.can().redo(),
    }),
  })
  const [isLinkOpen, setLinkOpen] = useState(false)
  const toolbarRef = useRef<HTMLDivElement>(null)

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => moveToolbarFocus(event, toolbarRef.current)

  if (!state.isEditable) return null
  const chain = () => editor.chain().focus()

  return (
    <div
      className="tandem-toolbar"
      role="toolbar"
      aria-label="Formatting"
      aria-orientation="horizontal"
      ref={toolbarRef}
      onKeyDown={onKeyDown}
    >
      <div className="tandem-toolbar__group">
        <ToolButton
          icon="undo"
          label="Undo"
          shortcut={`${mod}Z`}
          disabled={!state.canUndo}
          onClick={() => chain().undo().run()}
        />
        <ToolButton
          icon="redo"
          label="Redo"
          shortcut={isMac ? '⇧⌘Z' : 'Ctrl+Y'}
          disabled={!state.canRedo}
          onClick={() => chain().redo().run()}
        />
      </div>
      <div className="tandem-toolbar__group">
        <select
          className="tandem-toolbar__select"
          aria-label="Text style"
          data-toolbar-item
          tabIndex={-1}
          disabled={isSuggesting}
          value={state.block === 'other' ? 'paragraph' : state.block}
          onChange={(event) => {
            const value = event.target.value
            if (value === 'paragraph') chain().setParagraph().run()
            else
              chain()
                .setHeading({ level: Number(value.slice(1)) as 1 | 2 | 3 })
                .run()
          }}
        >
          <option value="paragraph">Paragraph</option>
          <option value="h1">Heading 1</option>
          <option value="h2">Heading 2</option>
          <option value="h3">Heading 3</option>
        </select>
      </div>
      <div className="tandem-toolbar__group">
        <ToolButton
          icon="bold"
          label="Bold"
          shortcut={`${mod}B`}
          isActive={state.bold}
          onClick={() => chain().toggleBold().run()}
          first
        />
        <ToolButton
          icon="italic"
          label="Italic"
          shortcut={`${mod}I`}
          isActive={state.italic}
          onClick={() => chain().toggleItalic().run()}
        />
        <ToolButton
          icon="strike"
          label="Strikethrough"
          shortcut={`${mod}⇧S`}
          isActive={state.strike}
          onClick={() => chain().toggleStrike().run()}
        />
        <ToolButton
          icon="code"
          label="Inline code"
          shortcut={`${mod}E`}
          isActive={state.code}
          onClick={() => chain().toggleCode().run()}
        />
        <span className="tandem-toolbar__anchor">
          <ToolButton icon="link" label="Link" isActive={state.link} onClick={() => setLinkOpen((open) => !open)} />
          {isLinkOpen && <LinkEditor editor={editor} onClose={() => setLinkOpen(false)} />}
        </span>
      </div>
      <div className="tandem-toolbar__group">
        <ToolButton
          icon="bulletList"
          label="Bulleted list"
          disabled={isSuggesting}
          shortcut={`${mod}⇧8`}
          isActive={state.bulletList}
          onClick={() => chain().toggleBulletList().run()}
        />
        <ToolButton
          icon="orderedList"
          label="Numbered list"
          disabled={isSuggesting}
          shortcut={`${mod}⇧7`}
          isActive={state.orderedList}
          onClick={() => chain().toggleOrderedList().run()}
        />
        <ToolButton
          icon="taskList"
          label="Task list"
          disabled={isSuggesting}
          shortcut={`${mod}⇧9`}
          isActive={state.taskList}
          onClick={() => chain().toggleTaskList().run()}
        />
      </div>
      <div className="tandem-toolbar__group">
        <ToolButton
          icon="quote"
          label="Quote"
          disabled={isSuggesting}
          shortcut={`${mod}⇧B`}
          isActive={state.blockquote}
          onClick={() => chain().toggleBlockquote().run()}
        />
        <ToolButton
          icon="codeBlock"
          label="Code block"
          disabled={isSuggesting}
          shortcut={`${mod}⌥C`}
          isActive={state.codeBlock}
          onClick={() => chain().toggleCodeBlock().run()}
        />
        {!isSuggesting && (
          <>
            <ToolButton icon="rule" label="Divider" onClick={() => chain().setHorizontalRule().run()} />
            {state.canInsertImage && <ImageButton editor={editor} />}
            <ToolButton
              icon="table"
              label="Insert table"
              isActive={state.table}
              onClick={() => chain().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run()}
            />
          </>
        )}
      </div>
      {state.table && !isSuggesting && (
        <div className="tandem-toolbar__group" aria-label="Table">
          <ToolButton icon="rowAdd" label="Add row below" onClick={() => chain().addRowAfter().run()} />
          <ToolButton icon="columnAdd" label="Add column right" onClick={() => chain().addColumnAfter().run()} />
          <ToolButton icon="trash" label="Delete table" onClick={() => chain().deleteTable().run()} />
        </div>
      )}
      {/* Extra groups (the comment controls) */}
      {children}
    </div>
  )
}

/** Roving focus inside a toolbar: arrows and Home/End move between controls; Tab leaves the toolbar. */
export function moveToolbarFocus(event: KeyboardEvent<HTMLElement>, toolbar: HTMLElement | null): void {
  if (!['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) return
  if ((event.target as HTMLElement).closest('.tandem-link-editor')) return
  const items = [...(toolbar?.querySelectorAll<HTMLElement>('[data-toolbar-item]') ?? [])].filter(
    (item) => !(item as HTMLButtonElement).disabled,
  )
  const index = items.indexOf(document.activeElement as HTMLElement)
  const next =
    event.key === 'Home'
      ? 0
      : event.key === 'End'
        ? items.length - 1
        : (index + (event.key === 'ArrowRight' ? 1 : -1) + items.length) % items.length
  items[next]?.focus()
  event.preventDefault()
}

/**
 * The toolbar of someone who may not edit (comment and view roles): the comment controls only, so
 * no formatting button suggests the text can be changed. The sidebar toggle is its tab stop (always enabled).
 */
export function ReviewToolbar({ children }: { children: ReactNode }) {
  const toolbarRef = useRef<HTMLDivElement>(null)
  return (
    <div
      className="tandem-toolbar tandem-toolbar--review"
      role="toolbar"
      aria-label="Review"
      aria-orientation="horizontal"
      ref={toolbarRef}
      onKeyDown={(event) => moveToolbarFocus(event, toolbarRef.current)}
    >
      {children}
    </div>
  )
}

interface ToolButtonProps {
  icon: IconName
  label: string
  shortcut?: string
  isActive?: boolean
  disabled?: boolean
  first?: boolean
  onClick: () => void
  children?: ReactNode
}

function ToolButton({ icon, label, shortcut, isActive, disabled, first, onClick }: ToolButtonProps) {
  return (
    <button
      type="button"
      className="tandem-toolbar__button"
      data-toolbar-item
      // The first formatting button is the toolbar's single tab stop.
      tabIndex={first ? 0 : -1}
      aria-label={label}
      aria-pressed={isActive === undefined ? undefined : isActive}
      aria-keyshortcuts={shortcut}
      title={shortcut ? `${label} (${shortcut})` : label}
      disabled={disabled}
      // Keep the editor's selection: a mousedown on the button would otherwise blur it.
      onMouseDown={(event) => event.preventDefault()}
      onClick={onClick}
    >
      <Icon name={icon} />
    </button>
  )
}

/** The "Image" button: opens the file chooser; each chosen file is inserted and uploaded. */
function ImageButton({ editor }: { editor: Editor }) {
  const inputRef = useRef<HTMLInputElement>(null)
  return (
    <>
      <ToolButton icon="image" label="Image" onClick={() => inputRef.current?.click()} />
      <input
        ref={inputRef}
        type="file"
        accept="image/png,image/jpeg,image/gif,image/webp"
        multiple
        hidden
        aria-hidden="true"
        tabIndex={-1}
        data-testid="image-file-input"
        onChange={(event) => {
          const files = [...(event.target.files ?? [])]
          // The same file chosen twice in a row must fire change again.
          event.target.value = ''
          if (files.length > 0) editor.chain().focus().insertImages(files).run()
        }}
      />
    </>
  )
}

/** A small popover to add, change or remove the link on the selection. */
function LinkEditor({ editor, onClose }: { editor: Editor; onClose: () => void }) {
  const current = (editor.getAttributes('link').href as string | undefined) ?? ''
  const [href, setHref] = useState(current)
  const apply = () => {
    const value = href.trim()
    if (value === '') editor.chain().focus().extendMarkRange('link').unsetLink().run()
    else editor.chain().focus().extendMarkRange('link').setLink({ href: value }).run()
    onClose()
  }
  return (
    <form
      className="tandem-link-editor"
      onSubmit={(event) => {
        event.preventDefault()
        apply()
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation()
          onClose()
          editor.commands.focus()
        }
      }}
    >
      <input
        type="url"
        aria-label="Link address"
        placeholder="https://example.com"
        value={href}
        autoFocus
        onChange={(event) => setHref(event.target.value)}
      />
      <button type="submit">{href.trim() === '' && current ? 'Remove' : 'Apply'}</button>
    </form>
  )
}
