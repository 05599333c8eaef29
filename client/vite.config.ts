import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Dev: Vite on 5173 proxies the API, DICOMweb and socket.io to the server on 3000.
const target = process.env.API_URL ?? 'http://127.0.0.1:3000';
export default defineConfig({
  plugins: [react()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api': target,
      '/dicomweb': target,
      '/wado': target,
      // The server accepts socket.io handshakes only from its own origin (PUBLIC_URL): present that one.
      '/socket.io': { target, ws: true, headers: { origin: new URL(target).origin } },
    },
  },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 4000 },
});
