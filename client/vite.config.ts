import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const server = process.env.EASEL_SERVER ?? 'http://localhost:8080'

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      // No changeOrigin: the proxied upgrade keeps `Host: localhost:5173`, which matches the page's
      // Origin, so the server's same-origin check passes (with changeOrigin it would not).
      '/ws': { target: server.replace(/^http/, 'ws'), ws: true },
      '/api': server,
      '/healthz': server,
    },
  },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 1500 },
})
