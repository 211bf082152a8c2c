import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { PROTOCOL_NAMES, PROTOCOLS } from '../wire/protocols.js';

const root = fileURLToPath(new URL('.', import.meta.url));
/** Where `npm run dev:dashboard` sends API and feed requests: a server started with `npm run serve`. */
const target = process.env.WIRELAB_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  // Relative asset URLs: the page works wherever it is served from.
  base: './',
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      onLog(level, log, handler) {
        // hdr-histogram-js reaches Node's zlib through eval on Node only; the browser uses pako.
        if (log.code === 'EVAL' && (log.id ?? log.message).includes('hdr-histogram-js')) return;
        handler(level, log);
      },
    },
  },
  server: {
    proxy: {
      // Every feed endpoint, from the protocol descriptors (an upgrade must be passed through).
      ...Object.fromEntries(PROTOCOL_NAMES.map((name) => [PROTOCOLS[name].path, PROTOCOLS[name].upgrade ? { target, ws: true } : target])),
      '/ping': target,
      '/stats': target,
      '/api': target,
      '/live': target,
    },
  },
});
