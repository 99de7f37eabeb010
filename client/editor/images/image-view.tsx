import { NodeViewWrapper, type ReactNodeViewProps } from '@tiptap/react'
import { useEffect, useState, useSyncExternalStore, type KeyboardEvent } from 'react'
import { IMAGE_ALIGNMENTS, IMAGE_SIZES, type ImageAlign, type ImageSize } from '../../../shared/image-node.js'
import { safeUrl, UrlKind } from '../../../shared/url-policy.js'
import type { ImageUploader, UploadProgress } from './image-uploader.js'

const SIZE_LABELS: Record<ImageSize, string> = { small: 'Small', medium: 'Medium', full: 'Full width' }
const ALIGN_LABELS: Record<ImageAlign, string> = { left: 'Align left', center: 'Center', right: 'Align right' }

/**
 * An image in the editor: the picture (loaded with this reader's own token, which never enters the
 * document), a placeholder while its upload runs, and — for writers, on the selected image — alt
 * text, width presets and alignment. The `src` goes through the URL policy (shared/url-policy.ts)
 * here too: a crafted update can store any value in the Yjs document, and the node view reads the
 * attribute as stored, so a refused URL (`javascript:`, `data:`, `//other-host` …) is never loaded;
 * a note stands in its place.
 */
export function ImageView({ node, editor, extension, selected, updateAttributes }: ReactNodeViewProps) {
  const uploader = (extension.options as { uploader: ImageUploader | null }).uploader
  const attrs = node.attrs as {
    src: string | null
    alt: string | null
    size: ImageSize
    align: ImageAlign
    width: number | null
    height: number | null
    uploadId: string | null
  }
  const progress = useSyncExternalStore(
    uploader?.subscribe ?? noSubscription,
    () => (attrs.uploadId && uploader ? uploader.progressOf(attrs.uploadId) : undefined),
    () => undefined,
  )
  const src = safeUrl(UrlKind.Image, attrs.src)
  const isRefused = attrs.src != null && src === null
  const [address, refreshAddress] = useImageAddress(uploader, src)
  const canEdit = editor.isEditable

  return (
    <NodeViewWrapper
      className="tandem-image"
      data-size={attrs.size}
      data-align={attrs.align}
      data-selected={selected ? 'true' : undefined}
    >
      {isRefused ? (
        <RefusedImage />
      ) : src ? (
        <img
          className="tandem-image__img"
          src={address ?? undefined}
          alt={attrs.alt ?? ''}
          width={attrs.width ?? undefined}
          height={attrs.height ?? undefined}
          draggable={false}
          data-drag-handle
          onError={refreshAddress}
        />
      ) : (
        <Placeholder progress={progress} />
      )}
      {selected && canEdit && src && (
        <ImageControls
          alt={attrs.alt ?? ''}
          size={attrs.size}
          align={attrs.align}
          onChange={(changes) => updateAttributes(changes)}
        />
      )}
    </NodeViewWrapper>
  )
}

function noSubscription(): () => void {
  return () => undefined
}

/**
 * Where this reader loads `src` from, and a function for a failed load: an expired token is asked
 * for again, once per source (a file that is really gone would otherwise loop).
 */
function useImageAddress(uploader: ImageUploader | null, src: string | null): [string | null, () => void] {
  const [address, setAddress] = useState<string | null>(null)
  const [attempt, setAttempt] = useState(0)
  useEffect(() => setAttempt(0), [src])
  useEffect(() => {
    if (!src) return setAddress(null)
    let isCurrent = true
    if (!uploader) setAddress(src)
    else void uploader.address(src, attempt > 0).then((resolved) => isCurrent && setAddress(resolved))
    return () => {
      isCurrent = false
    }
  }, [uploader, src, attempt])
  return [address, () => setAttempt((count) => (count === 0 ? 1 : count))]
}

/** In place of an image whose stored address the URL policy refuses: nothing is loaded from it. */
function RefusedImage() {
  return (
    <div className="tandem-image__placeholder" role="note" data-refused="true">
      <span>Image not shown: its address is not allowed</span>
    </div>
  )
}

function Placeholder({ progress }: { progress: UploadProgress | undefined }) {
  const percent = progress ? Math.round(progress.fraction * 100) : 0
  const text = !progress
    ? 'Image uploading…'
    : progress.state === 'waiting'
      ? 'Offline: the image will upload when the connection is back'
      : `Uploading image… ${percent}%`
  return (
    <div className="tandem-image__placeholder" role="status" data-upload-state={progress?.state ?? 'remote'}>
      <span>{text}</span>
      {progress?.state === 'sending' && (
        <progress className="tandem-image__progress" max={100} value={percent} aria-label="Upload progress" />
      )}
    </div>
  )
}

interface ImageControlsProps {
  alt: string
  size: ImageSize
  align: ImageAlign
  onChange: (changes: Partial<{ alt: string | null; size: ImageSize; align: ImageAlign }>) => void
}

function ImageControls({ alt, size, align, onChange }: ImageControlsProps) {
  const [draft, setDraft] = useState(alt)
  useEffect(() => setDraft(alt), [alt])
  const commit = () => {
    const value = draft.trim()
    if (value !== alt) onChange({ alt: value === '' ? null : value })
  }
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault()
      commit()
    }
  }
  return (
    <div className="tandem-image__controls" role="group" aria-label="Image settings" contentEditable={false}>
      <label className="tandem-image__alt">
        <span>Alt text</span>
        <input
          type="text"
          value={draft}
          placeholder="Describe the image"
          onChange={(event) => setDraft(event.target.value)}
          onBlur={commit}
          onKeyDown={onKeyDown}
        />
      </label>
      <div className="tandem-image__choices" role="group" aria-label="Width">
        {IMAGE_SIZES.map((choice) => (
          <button key={choice} type="button" aria-pressed={choice === size} onClick={() => onChange({ size: choice })}>
            {SIZE_LABELS[choice]}
          </button>
        ))}
      </div>
      <div className="tandem-image__choices" role="group" aria-label="Alignment">
        {IMAGE_ALIGNMENTS.map((choice) => (
          <button
            key={choice}
            type="button"
            aria-pressed={choice === align}
            onClick={() => onChange({ align: choice })}
          >
            {ALIGN_LABELS[choice]}
          </button>
        ))}
      </div>
    </div>
  )
}
