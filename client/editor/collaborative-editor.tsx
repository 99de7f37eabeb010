import type { Editor, Extensions } from '@tiptap/core'
import { EditorContent, useEditor } from '@tiptap/react'
import { useEffect, useMemo, useRef } from 'react'
import type { PresenceMode } from '../presence/presence-mode.js'
import type { SyncStatus } from '../provider/sync-status.js'
import type { TandemProvider, TokenSource } from '../provider/tandem-provider.js'
import type { TransportPreference } from '../transport/transport.js'
import { editorExtensions } from './editor-extensions.js'
import { ImageUploader } from './images/image-uploader.js'
import {
  useIdlePresence,
  useStatusChange,
  useSyncStatus,
  useTandemProvider,
  useUnsavedChangesWarning,
} from './hooks.js'
import { CommentsLayer } from './comments/comments-layer.js'
import { useSuggestionAuthor } from './comments/threads-binding.js'
import { EditorMode, useEditorMode } from './editor-mode.js'
import { ModeMenu } from './mode-menu.js'
import { SuggestingAuthorRef, useSuggestingMode } from './suggesting-mode.js'
import { ReviewToolbar, Toolbar } from './toolbar.js'
import { completeUser, type EditorUser } from './user-identity.js'
import type { Role } from '../../shared/roles.js'

export type EditorTheme = 'light' | 'dark' | 'system'

export interface CollaborativeEditorProps {
  /** Document id, `[A-Za-z0-9_-]{1,128}`. A new id opens a new, empty document. */
  docId: string
  /** Tandem server base URL, e.g. `https://notes.example.com`. */
  serverUrl: string
  /** Name and `#rrggbb` colour on this writer's caret and avatar; a friendly random one if omitted. */
  user?: Partial<EditorUser>
  /** Token or token-fetching function (called before every connection attempt). */
  token?: TokenSource
  /** Hide the toolbar and refuse input. A UI hint: the server enforces view-only tokens itself. */
  readOnly?: boolean
  /**
   * What the token allows: `edit`, `comment` (threads, replies and suggestions, no other change to the
   * text) or `view`. A UI hint like `readOnly` (the server enforces roles); default `view` when
   * `readOnly`, else `edit`.
   */
  role?: Role
  /**
   * `editing`, `suggesting` (every change becomes a suggestion to accept or reject) or `viewing`.
   * Default: the mode last chosen for this document in this browser, else the most the role allows
   * (`comment` opens in `suggesting`). A mode the role does not allow becomes the role's default.
   * The toolbar's mode menu switches; a new value of this prop switches too.
   */
  mode?: EditorMode
  /** Called when the mode changes (the menu, a new `mode` or `role`). */
  onModeChange?: (mode: EditorMode) => void
  /** Show comment threads: highlights, the "Comments" sidebar and the Comment button (default true). */
  comments?: boolean
  /** `auto` (default: WebSocket, falling back to SSE or long-poll by evidence), or one of those. */
  transport?: TransportPreference
  /** Where cursors travel: `auto` (default: WebRTC where it connects, else the server), `webrtc`, `server`, `off`. */
  presence?: PresenceMode
  /** Peers a document may have open and keep WebRTC presence (default 8); beyond it presence goes through the server. */
  meshPeerLimit?: number
  /** Keep an IndexedDB copy for reloads and offline work (default true). */
  offline?: boolean
  /** Extra Tiptap extensions (behaviour only: nodes or marks the server does not know are dropped). */
  extensions?: Extensions
  /** Shown in an empty document. */
  placeholder?: string
  /** Show the formatting toolbar (default true). */
  toolbar?: boolean
  /** Warn before closing the tab while changes are unsaved (default true). */
  warnOnUnsavedClose?: boolean
  /** `system` (default) follows the OS; theme colours come from `--tandem-*` CSS variables. */
  theme?: EditorTheme
  className?: string
  /** Use a provider you created (e.g. with `useTandemProvider`; with `threads: true` for comments) instead of making one. */
  provider?: TandemProvider
  /**
   * Called with the first status, then when the state, transport or error changes or a flag flips
   * (connecting, saved, saving, offline, error…); not for each new `unsyncedChanges` count (offline,
   * every keystroke adds one). `useSyncStatus(provider)` re-renders on every change, counts included.
   */
  onStatusChange?: (status: SyncStatus) => void
  /** Alias of `onStatusChange`. */
  onStatus?: (status: SyncStatus) => void
  /** Called once the editor exists, with the editor and its provider. */
  onReady?: (editor: Editor, provider: TandemProvider) => void
}

/**
 * A collaborative rich-text editor bound to one Tandem document. Renders nothing editable during
 * server-side rendering; the editor appears after hydration.
 */
export function CollaborativeEditor(props: CollaborativeEditorProps) {
  // No session of our own when the embedder brings one.
  const owned = useTandemProvider(
    props.provider
      ? null
      : {
          docId: props.docId,
          serverUrl: props.serverUrl,
          token: props.token,
          transport: props.transport,
          presence: props.presence,
          meshPeerLimit: props.meshPeerLimit,
          offline: props.offline,
          // No ?threads=1 (and no thread frames) when comments are off.
          threads: props.comments ?? true,
        },
  )
  const provider = props.provider ?? owned
  const status = useSyncStatus(provider)
  useIdlePresence(provider)
  useUnsavedChangesWarning(status, props.warnOnUnsavedClose ?? true)

  useStatusChange(status, (changed) => {
    props.onStatusChange?.(changed)
    props.onStatus?.(changed)
  })

  const role: Role = props.role ?? (props.readOnly ? 'view' : 'edit')
  const modes = useEditorMode(props.docId, props.readOnly ? 'view' : role, props.mode, props.onModeChange)
  const className = ['tandem-editor', props.className].filter(Boolean).join(' ')
  return (
    <div
      className={className}
      data-tandem-theme={props.theme ?? 'system'}
      data-sync-state={status.state}
      data-mode={modes.mode}
    >
      {status.error && (
        <div className="tandem-editor__banner" role="alert">
          {status.error.message}
        </div>
      )}
      {provider ? (
        <EditorSurface
          key={`${provider.docId}`}
          provider={provider}
          user={props.user}
          isReadOnly={(props.readOnly ?? false) || modes.mode === EditorMode.Viewing || status.error !== null}
          role={role}
          mode={modes.mode}
          modes={modes.modes}
          onModeChange={modes.setMode}
          hasComments={props.comments ?? true}
          extensions={props.extensions}
          placeholder={props.placeholder}
          hasToolbar={props.toolbar ?? true}
          onReady={props.onReady}
        />
      ) : (
        <div className="tandem-editor__loading" aria-busy="true" />
      )}
    </div>
  )
}

interface EditorSurfaceProps {
  provider: TandemProvider
  user?: Partial<EditorUser>
  isReadOnly: boolean
  role: Role
  mode: EditorMode
  modes: readonly EditorMode[]
  onModeChange: (mode: EditorMode) => void
  hasComments: boolean
  extensions?: Extensions
  placeholder?: string
  hasToolbar: boolean
  onReady?: (editor: Editor, provider: TandemProvider) => void
}

function EditorSurface({
  provider,
  user,
  isReadOnly,
  role,
  mode,
  modes,
  onModeChange,
  hasComments,
  extensions,
  placeholder,
  hasToolbar,
  onReady,
}: EditorSurfaceProps) {
  // A random identity is drawn once per name/colour, not on every render.
  const name = user?.name
  const color = user?.color
  const identity = useMemo(() => completeUser({ name, color }), [name, color])
  const initialIdentity = useRef(identity)
  // One per provider, like the editor: image uploads and readers' image addresses for this document.
  const uploader = useMemo(() => new ImageUploader(provider), [provider])
  // Suggestions name the token's person when it names one, else this browser (as comments do).
  const author = useSuggestionAuthor(provider, identity.name)
  const isSuggesting = mode === EditorMode.Suggesting
  const initialSuggesting = useRef({ author: new SuggestingAuthorRef(author.id, author.name), enabled: isSuggesting })
  const editor = useEditor(
    {
      extensions: editorExtensions({
        provider,
        user: initialIdentity.current,
        placeholder,
        extensions,
        uploader,
        suggesting: initialSuggesting.current,
      }),
      editable: !isReadOnly,
      // No content option, ever: the document comes from Yjs, and seeding it from the client
      // duplicates content when two clients seed at once.
      // Safe to create during render: this surface only mounts once a provider exists, which
      // happens in an effect, so never during server-side rendering. Saves a render pass on load.
      immediatelyRender: true,
      shouldRerenderOnTransaction: false,
      editorProps: { attributes: { 'aria-label': 'Document', spellcheck: 'true' } },
    },
    // Recreate the editor for a new provider (tiptap#6882: a reused editor stops syncing).
    [provider],
  )

  useEffect(() => {
    if (editor && editor.isEditable === isReadOnly) editor.setEditable(!isReadOnly)
  }, [editor, isReadOnly])

  useEffect(() => {
    if (editor && !editor.isDestroyed) editor.commands.updateUser({ ...identity })
  }, [editor, identity])

  useEffect(() => (editor ? uploader.attach(editor) : undefined), [editor, uploader])

  useSuggestingMode(editor, isSuggesting, initialSuggesting.current.author, author)

  const onReadyRef = useRef(onReady)
  onReadyRef.current = onReady
  useEffect(() => {
    if (editor) onReadyRef.current?.(editor, provider)
  }, [editor, provider])

  if (!editor) return null
  // A view link has one mode: no menu to offer.
  const modeMenu = (isTabStop: boolean) =>
    modes.length > 1 ? <ModeMenu mode={mode} modes={modes} onChange={onModeChange} isTabStop={isTabStop} /> : null
  return (
    <CommentsLayer
      editor={editor}
      provider={provider}
      role={role}
      mode={mode}
      isReadOnly={isReadOnly}
      isEnabled={hasComments}
      renderToolbar={(controls) =>
        !hasToolbar ? null : !isReadOnly ? (
          <Toolbar editor={editor} isSuggesting={isSuggesting}>
            {modeMenu(false)}
            {controls}
          </Toolbar>
        ) : controls || modes.length > 1 ? (
          <ReviewToolbar>
            {modeMenu(!controls)}
            {controls}
          </ReviewToolbar>
        ) : null
      }
    >
      <EditorContent editor={editor} className="tandem-editor__content" />
    </CommentsLayer>
  )
}
