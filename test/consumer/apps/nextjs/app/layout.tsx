import type { ReactNode } from 'react'
import 'tandem/style.css'

export const metadata = { title: 'Notes' }

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  )
}
