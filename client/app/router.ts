import { useEffect, useState } from 'react'

/** The app's two routes (DESIGN.md: `/` lists documents, `/d/<docId>` opens one). */
export type Route = { page: 'list' } | { page: 'editor'; docId: string } | { page: 'not-found' }

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'list' }
  const match = /^\/d\/([^/]+)\/?$/.exec(pathname)
  if (match?.[1]) return { page: 'editor', docId: decodeURIComponent(match[1]) }
  return { page: 'not-found' }
}

const NAVIGATE_EVENT = 'tandem:navigate'

/** Client-side navigation: the server answers every route with the same index.html. */
export function navigate(path: string): void {
  if (path === location.pathname) return
  history.pushState(null, '', path)
  window.dispatchEvent(new Event(NAVIGATE_EVENT))
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname))
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname))
    window.addEventListener('popstate', update)
    window.addEventListener(NAVIGATE_EVENT, update)
    return () => {
      window.removeEventListener('popstate', update)
      window.removeEventListener(NAVIGATE_EVENT, update)
    }
  }, [])
  return route
}

export function docPath(docId: string): string {
  return `/d/${encodeURIComponent(docId)}`
}
