import type { ReactNode } from 'react'

/** Stroke icons on a 24-unit grid (drawn for Tandem in the common outline style), inheriting colour. */
const paths = {
  bold: <path d="M7 5h6a3.5 3.5 0 0 1 0 7H7zM7 12h7a3.5 3.5 0 0 1 0 7H7z" />,
  italic: <path d="M14 5h-4m4 14h-4m4-14-4 14m0-14h4" />,
  strike: (
    <path d="M5 12h14M16 7.5C15.3 6 13.8 5 12 5 9.8 5 8 6.3 8 8s1.2 2.4 3 3m5 3.5c.5.6.8 1.3.8 2 0 2-2.1 3.5-4.8 3.5-2 0-3.8-1-4.5-2.5" />
  ),
  code: <path d="m9 8-4 4 4 4m6-8 4 4-4 4" />,
  heading: <path d="M6 5v14M18 5v14M6 12h12" />,
  bulletList: <path d="M9 6h11M9 12h11M9 18h11M4.5 6h.01M4.5 12h.01M4.5 18h.01" />,
  orderedList: <path d="M10 6h10M10 12h10M10 18h10M4 5l1.5-1v5M4 14h3l-3 4h3" />,
  taskList: <path d="M4 5h4v4H4zM4 15h4v4H4zM5 17l1 1 1.5-2M11 7h9M11 17h9" />,
  quote: (
    <path d="M6 17c-1.5 0-2-1.2-2-2.5C4 11 6 8.5 8.5 7.5M14 17c-1.5 0-2-1.2-2-2.5 0-3.5 2-6 4.5-7M4 14.5h4v3H4zM12 14.5h4v3h-4z" />
  ),
  codeBlock: <path d="M4 5h16v14H4zM9 10l-2 2 2 2m6-4 2 2-2 2" />,
  link: <path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" />,
  rule: <path d="M4 12h16" />,
  image: <path d="M4 5h16v14H4zM4 16l5-5 4 4 2-2 5 5M15.5 9.5h.01" />,
  table: <path d="M4 5h16v14H4zM4 10h16M4 15h16M10 5v14" />,
  undo: <path d="M9 14 4 9l5-5M4 9h11a5 5 0 0 1 0 10h-3" />,
  redo: <path d="m15 14 5-5-5-5M20 9H9a5 5 0 0 0 0 10h3" />,
  rowAdd: <path d="M4 5h16v8H4zM12 16v5M9.5 18.5h5" />,
  columnAdd: <path d="M4 4h8v16H4zM15 12h6M18 9v6" />,
  trash: <path d="M5 7h14M10 11v6M14 11v6M6 7l1 12h10l1-12M9 7V4h6v3" />,
  share: (
    <path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" />
  ),
  download: <path d="M12 4v11m-5-5 5 5 5-5M5 20h14" />,
  upload: <path d="M12 16V5m-5 5 5-5 5 5M5 20h14" />,
  sun: (
    <path d="M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM12 2v2m0 16v2M4.9 4.9l1.4 1.4m11.4 11.4 1.4 1.4M2 12h2m16 0h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
  ),
  moon: <path d="M20 14.5A8 8 0 0 1 9.5 4 8 8 0 1 0 20 14.5z" />,
  plus: <path d="M12 5v14M5 12h14" />,
  pencil: <path d="M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4" />,
  back: <path d="M15 18l-6-6 6-6" />,
  doc: <path d="M7 3h7l5 5v13H7zM14 3v5h5M10 13h6M10 17h6" />,
  check: <path d="m5 12 5 5 9-10" />,
  cloudOff: <path d="M3 3l18 18M8 8a5 5 0 0 0-2.5 9.5H16M19.5 16.5A4 4 0 0 0 17 9.1 6 6 0 0 0 10.8 6" />,
  alert: <path d="M12 4 2.5 20h19zM12 10v4m0 3h.01" />,
  more: <path d="M5 12h.01M12 12h.01M19 12h.01" />,
  clock: <path d="M3.5 12a8.5 8.5 0 1 0 2.5-6M3 4v4h4M12 7.5V12l3 2" />,
  close: <path d="M6 6l12 12M18 6 6 18" />,
  comment: <path d="M5 5h14v10H10l-4 4v-4H5zM9 9h6M9 12h4" />,
  comments: <path d="M4 4h12v8H9l-3 3v-3H4zM19 9h1v8h-1v3l-3-3h-5v-2" />,
  suggest: <path d="M4 4h16v12h-7l-4 4v-4H4zM9 12.5l4.5-4.5 1.5 1.5-4.5 4.5H9z" />,
  eye: (
    <path d="M2.5 12S6 5.5 12 5.5 21.5 12 21.5 12 18 18.5 12 18.5 2.5 12 2.5 12zM12 9.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z" />
  ),
  chevronDown: <path d="m6 9 6 6 6-6" />,
  at: <path d="M8 12a4 4 0 1 0 8 0 4 4 0 1 0-8 0M16 8v5a3 3 0 0 0 6 0v-1a10 10 0 1 0-3.9 7.9" />,
} satisfies Record<string, ReactNode>

export type IconName = keyof typeof paths

export function Icon({ name, size = 18 }: { name: IconName; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {paths[name]}
    </svg>
  )
}
