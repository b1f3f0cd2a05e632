import { Link, useLocation } from 'react-router'
import { Page } from '../../components/Page.tsx'

export function NotFoundPage() {
  const { pathname } = useLocation()
  return (
    <Page
      title="Page not found"
      purpose={
        <>
          There is no page at <code>{pathname}</code>. The address may be mistyped, or the page may have
          moved.
        </>
      }
    >
      <p>
        <Link to="/">Go to the live round</Link>
      </p>
    </Page>
  )
}
