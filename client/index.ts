/**
 * The embeddable editor: `import { CollaborativeEditor } from 'tandem'` and
 * `import 'tandem/style.css'`. React is a peer dependency.
 */
export { CollaborativeEditor } from './editor/collaborative-editor.js'
export type { CollaborativeEditorProps, EditorTheme } from './editor/collaborative-editor.js'
export { Toolbar } from './editor/toolbar.js'
export {
  useTandemProvider,
  useSyncStatus,
  useStatusChange,
  usePresence,
  useIdlePresence,
  useUnsavedChangesWarning,
  IDLE_AFTER_MS,
} from './editor/hooks.js'
export type { PresenceUser } from './editor/hooks.js'
export { documentExtensions, DOCUMENT_FIELD } from './editor/extensions.js'
export { editorExtensions } from './editor/editor-extensions.js'
export type { EditorExtensionOptions } from './editor/editor-extensions.js'
export { completeUser, randomUserColor, randomUserName, USER_COLORS } from './editor/user-identity.js'
export type { EditorUser } from './editor/user-identity.js'
export { TandemProvider } from './provider/tandem-provider.js'
export type { TandemProviderOptions, TokenSource } from './provider/tandem-provider.js'
export {
  SyncState,
  deriveSyncState,
  describeFailure,
  isStatusChange,
  INITIAL_SYNC_STATUS,
} from './provider/sync-status.js'
export type { SyncStatus, SyncFailure, SyncFacts, FailureContext } from './provider/sync-status.js'
export { TransportKind } from '../shared/protocol/transport-kind.js'
export type { Transport, TransportPreference, TransportSocket } from './transport/transport.js'
export { websocketTransport } from './transport/websocket-transport.js'
export { PresenceMode } from './presence/presence-mode.js'
// Comments (issue 16): live threads and writes for an app's own sidebar (docs/embedding.md, "Comments").
export { useThreads } from './comments/use-threads.js'
export { anchorForRange, placeOf, quoteForRange } from './comments/anchors.js'
export { ThreadRequestError } from './comments/threads-api.js'
export type { ThreadsState, ThreadClient, PlacedThread, ThreadPlace, PendingWrite } from './comments/threads-api.js'
export { ThreadStatus, MAX_COMMENT_BODY_CHARS, MAX_THREAD_QUOTE_CHARS } from '../shared/comments.js'
export type { Thread, Comment, CommentAuthor, ThreadAnchor } from '../shared/comments.js'
