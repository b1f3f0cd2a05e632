/**
 * Vite builds the web app from web/ into web/dist, which the server serves with an SPA fallback.
 * In development (`vite --config web/vite.config.ts`) the dev server forwards the server's own
 * paths to a Memepool server on port 3000, so the app always talks to same-origin URLs.
 */
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const webRoot = fileURLToPath(new URL('.', import.meta.url))
const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const serverUrl = 'http://127.0.0.1:3000'

export default defineConfig({
  root: webRoot,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    // The app imports shared types from contracts/ at the repository root.
    fs: { allow: [repoRoot] },
    proxy: {
      // The WebSocket endpoint lives under /api too; it needs the upgrade forwarded, and the
      // server only accepts pages of its own origin (PUBLIC_URL), so the proxy speaks for them.
      '/api/v1/ws': {
        target: serverUrl,
        ws: true,
        configure: (proxy) => proxy.on('proxyReqWs', (proxyReq) => proxyReq.setHeader('origin', serverUrl)),
      },
      '/api': serverUrl,
      '/ready': serverUrl,
      '/health': serverUrl,
      '/metrics': serverUrl,
    },
  },
})
