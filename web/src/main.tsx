/** Entry point: one store, one router, rendered into #root. */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { Provider } from 'react-redux'
import { RouterProvider } from 'react-router'
import { makeRouter } from './app/router.tsx'
import { makeStore } from './app/store.ts'
import './styles.css'

const container = document.getElementById('root')
if (!container) throw new Error('index.html must contain an element with id "root".')

const store = makeStore()
const router = makeRouter()

createRoot(container).render(
  <StrictMode>
    <Provider store={store}>
      <RouterProvider router={router} />
    </Provider>
  </StrictMode>,
)
