/** Proves how the navigation menu answers what happened: toggled by its button, closed by Escape or a new page. */
import { describe, expect, test } from 'vitest'
import { makeStore } from '../../app/store.ts'
import { menuDismissed, menuToggled, pageChanged, selectMenuOpen } from './shellSlice.ts'

describe('shell menu', () => {
  test('starts closed and the button toggles it', () => {
    const store = makeStore()
    expect(selectMenuOpen(store.getState())).toBe(false)
    store.dispatch(menuToggled())
    expect(selectMenuOpen(store.getState())).toBe(true)
    store.dispatch(menuToggled())
    expect(selectMenuOpen(store.getState())).toBe(false)
  })

  test('Escape and reaching another page both close it', () => {
    const store = makeStore()
    store.dispatch(menuToggled())
    store.dispatch(menuDismissed())
    expect(selectMenuOpen(store.getState())).toBe(false)
    store.dispatch(menuToggled())
    store.dispatch(pageChanged())
    expect(selectMenuOpen(store.getState())).toBe(false)
  })
})
