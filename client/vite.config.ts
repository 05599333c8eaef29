import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The app's chunk (src/start.tsx, imported dynamically by the small entry, src/main.tsx) and its stylesheets linked
 * from index.html: the browser fetches and compiles them alongside the entry instead of one round trip after it.
 */
function preloadApp(): Plugin {
  return {
    name: 'consult:preload-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const app = Object.values(ctx.bundle ?? {}).find(
          (c) => c.type === 'chunk' && c.moduleIds.some((id) => id.endsWith('/src/start.tsx')),
        );
        if (!app) throw new Error('the app chunk (src/start.tsx) is missing from the bundle');
        // Its stylesheets too (Vite's loader skips a stylesheet the page already links).
        const css = app.type === 'chunk' ? [...(app.viteMetadata?.importedCss ?? [])] : [];
        return [
          {
            tag: 'link',
            attrs: { rel: 'modulepreload', crossorigin: '', href: `/${app.fileName}` },
            injectTo: 'head',
          },
          ...css.map((href) => ({
            tag: 'link',
            attrs: { rel: 'stylesheet', crossorigin: '', href: `/${href}` },
            injectTo: 'head' as const,
          })),
        ];
      },
    },
  };
}

// Dev: Vite on 5173 proxies the API, DICOMweb and socket.io to the server on 3000.
const target = process.env.API_URL ?? 'http://127.0.0.1:3000';
export default defineConfig({
  plugins: [react(), preloadApp()],
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
