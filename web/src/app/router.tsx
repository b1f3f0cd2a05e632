/**
 * Every page of the app (SPEC 9) under one layout route. Pages sit in a pathless child route with
 * its own error element, so a page that fails to render is replaced inside the shell and the
 * navigation keeps working.
 */
import { createBrowserRouter } from 'react-router'
import { AdminLayout } from '../features/admin/AdminLayout.tsx'
import { AdminPage } from '../features/admin/AdminPage.tsx'
import { MemeReviewPage } from '../features/admin/MemeReviewPage.tsx'
import { EarningsPage } from '../features/earnings/EarningsPage.tsx'
import { MarketPage } from '../features/market/MarketPage.tsx'
import { MemeDetailPage } from '../features/market/MemeDetailPage.tsx'
import { MyMemesPage } from '../features/market/MyMemesPage.tsx'
import { NotificationsPage } from '../features/notifications/NotificationsPage.tsx'
import { ProofPage } from '../features/proofs/ProofPage.tsx'
import { LiveRoundPage } from '../features/rounds/LiveRoundPage.tsx'
import { RoundDetailPage } from '../features/rounds/RoundDetailPage.tsx'
import { RoundHistoryPage } from '../features/rounds/RoundHistoryPage.tsx'
import { Layout } from '../features/shell/Layout.tsx'
import { NotFoundPage } from '../features/shell/NotFoundPage.tsx'
import { RouteErrorPage } from '../features/shell/RouteErrorPage.tsx'
import { WalletPage } from '../features/wallet/WalletPage.tsx'
import { WatchPage } from '../features/watch/WatchPage.tsx'

export function makeRouter() {
  return createBrowserRouter([
    {
      element: <Layout />,
      // Reached only if the shell itself fails; pages fail into the inner error element.
      errorElement: (
        <main className="site-main">
          <RouteErrorPage />
        </main>
      ),
      children: [
        {
          errorElement: <RouteErrorPage />,
          children: [
            { index: true, element: <LiveRoundPage /> },
            { path: 'watch/:memeId', element: <WatchPage /> },
            { path: 'wallet', element: <WalletPage /> },
            { path: 'proofs/transfers/:id', element: <ProofPage /> },
            { path: 'market', element: <MarketPage /> },
            { path: 'market/mine', element: <MyMemesPage /> },
            { path: 'memes/:id', element: <MemeDetailPage /> },
            { path: 'earnings', element: <EarningsPage /> },
            { path: 'rounds', element: <RoundHistoryPage /> },
            { path: 'rounds/:height', element: <RoundDetailPage /> },
            { path: 'notifications', element: <NotificationsPage /> },
            {
              // One layout for the admin pages, which holds the pipeline's live feed (the admin:content channel).
              path: 'admin',
              element: <AdminLayout />,
              children: [
                { index: true, element: <AdminPage /> },
                { path: 'memes/:id', element: <MemeReviewPage /> },
              ],
            },
            { path: '*', element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ])
}
