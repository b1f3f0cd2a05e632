/**
 * Client-only state of the app shell: whether the navigation menu is open on narrow screens.
 * Actions are named after what happened; the reducer decides what that means for the menu.
 */
import { createSlice } from '@reduxjs/toolkit'

interface ShellState {
  menuOpen: boolean
}

const initialState: ShellState = { menuOpen: false }

export const shellSlice = createSlice({
  name: 'shell',
  initialState,
  reducers: {
    menuToggled(state) {
      state.menuOpen = !state.menuOpen
    },
    /** Escape pressed, or a click landed outside the open menu. */
    menuDismissed(state) {
      state.menuOpen = false
    },
    /** The user reached another page; a menu left open would hide it. */
    pageChanged(state) {
      state.menuOpen = false
    },
  },
  selectors: {
    selectMenuOpen: (state) => state.menuOpen,
  },
})

export const { menuToggled, menuDismissed, pageChanged } = shellSlice.actions
export const { selectMenuOpen } = shellSlice.selectors
