// Starts the Netsplit app. A file rather than an inline script, so the site runs under a
// Content-Security-Policy of script-src 'self' 'wasm-unsafe-eval' (docs/embedding.md).
import init from './netsplit-app.js';

await init({ module_or_path: new URL('./netsplit-app_bg.wasm', import.meta.url) });
