import { useSyncExternalStore } from 'react'
import type { ImageUploader } from './image-uploader.js'

/** Uploads the server refused (unsupported type, too big, view-only link…), each with its sentence. */
export function UploadNotices({ uploader }: { uploader: ImageUploader }) {
  const notices = useSyncExternalStore(uploader.subscribe, uploader.getNotices, uploader.getNotices)
  if (notices.length === 0) return null
  return (
    <div className="tandem-upload-notices">
      {notices.map((notice) => (
        <div key={notice.id} className="tandem-upload-notice" role="alert">
          <span>{notice.message}</span>
          <button type="button" aria-label="Dismiss" onClick={() => uploader.dismiss(notice.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  )
}
