/** What the app calls a document nobody has named yet. */
export const UNTITLED = 'Untitled document'
