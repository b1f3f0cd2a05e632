/**
 * Shown by the router when a page throws while rendering. It sits inside the shell, so one broken
 * page leaves the navigation working instead of a blank screen.
 */
import { isRouteErrorResponse, Link, useRouteError } from 'react-router'

function describe(error: unknown): string {
  if (isRouteErrorResponse(error)) return `${error.status} ${error.statusText}`
  if (error instanceof Error) return error.message
  return 'Unknown error.'
}

export function RouteErrorPage() {
  const error = useRouteError()
  return (
    <article className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>
          Something went wrong
        </h1>
        <p className="page-purpose">This page failed to show. Reloading often helps.</p>
      </header>
      <p className="query-error" role="alert">
        {describe(error)}
      </p>
      <p>
        <Link to="/">Go to the live round</Link>
      </p>
    </article>
  )
}
