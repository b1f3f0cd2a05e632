/**
 * The Redux store: the API slice's cache plus the small client-only slices of each feature.
 * `makeStore` builds a fresh store so tests can render the app against a real store of their own.
 */
import { combineReducers, configureStore } from '@reduxjs/toolkit'
import { setupListeners } from '@reduxjs/toolkit/query'
import { authSlice } from '../features/auth/authSlice.ts'
import { shellSlice } from '../features/shell/shellSlice.ts'
import { api } from './api.ts'

const rootReducer = combineReducers({
  [api.reducerPath]: api.reducer,
  [shellSlice.reducerPath]: shellSlice.reducer,
  [authSlice.reducerPath]: authSlice.reducer,
})

export type RootState = ReturnType<typeof rootReducer>

export function makeStore(preloadedState?: Partial<RootState>) {
  const store = configureStore({
    reducer: rootReducer,
    preloadedState,
    middleware: (getDefault) => getDefault().concat(api.middleware),
  })
  // Refetch on focus and on reconnect, so a tab left open shows fresh state when the user returns.
  setupListeners(store.dispatch)
  return store
}

export type AppStore = ReturnType<typeof makeStore>
export type AppDispatch = AppStore['dispatch']
