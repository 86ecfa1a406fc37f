import { defineConfig } from 'vite';

/**
 * The console and tenant portal, built into `web/dist` and served by Herald itself
 * (`src/api/web.ts`). No React plugin: production builds need only JSX, which Vite's own
 * transformer handles; fast refresh is not worth a dependency here.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022', chunkSizeWarningLimit: 1024 },
  server: { proxy: { '/api': 'http://127.0.0.1:8070', '/session': 'http://127.0.0.1:8070', '/in': 'http://127.0.0.1:8070' } },
});
