// Starts the Netsplit app. A file rather than an inline script, so the site runs under a
// Content-Security-Policy of script-src 'self' 'wasm-unsafe-eval' (docs/embedding.md).
//
// The published site has one bundle per page (`cargo xtask dist` builds them; see
// web/src/bundle.rs), so a visit downloads only the page it opens: the gallery, or one lab.
// The page is read from the URL the same way the app's router reads it (web/src/route.rs,
// web/src/app.rs). Where the site has no bundles (`trunk serve` builds only the whole app),
// the whole app `netsplit-app` starts instead.

// `cargo xtask dist` lists the pages' bundles it built in the page's head (one per `main` in
// web/src/bin/: the gallery, `home`, and each lab, by its route id), and the bundles that are
// parts of a page; `trunk serve` lists none. Nothing here names a lab.
const listed = (name) =>
  (document.querySelector(`meta[name="${name}"]`)?.content ?? '').split(/\s+/).filter(Boolean);
const built = listed('netsplit-bundles');
const parts = listed('netsplit-parts');
const labs = built.filter((page) => page !== 'home');

/** The bundle for a location: a lab's id, or 'home' for the gallery and anything else. */
function bundleFor(location) {
  const hash = location.hash.replace(/^#/, '');
  if (hash.startsWith('/')) {
    const page = hash.split('?')[0].replace(/^\/+|\/+$/g, '');
    if (page !== '') {
      return labs.includes(page) ? page : 'home';
    }
  }
  // The query may name the lab (`?embed&lab=raft`) when the hash names none (web/src/embed.rs).
  const lab = new URLSearchParams(location.search).get('lab');
  if (labs.includes(lab)) {
    return lab;
  }
  return 'home';
}

// `cargo xtask dist` also moves the rules only one page uses into a file of that page's
// (styles-<page>.css), listed with its integrity hash; `trunk serve` keeps styles.css whole.
const pageStyles = new Map(
  (document.querySelector('meta[name="netsplit-styles"]')?.content ?? '')
    .split(/\s+/)
    .filter((entry) => entry.includes(':'))
    .map((entry) => [entry.slice(0, entry.indexOf(':')), entry.slice(entry.indexOf(':') + 1)]),
);

/** Adds page `page`'s own styles, if it has any, after the shared ones. */
function addStyles(page) {
  const integrity = pageStyles.get(page);
  if (integrity === undefined) {
    return;
  }
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL(`./styles-${page}.css`, import.meta.url);
  link.integrity = integrity;
  document.head.append(link);
}

// `cargo xtask dist` packs each bundle's WebAssembly with xz, a fifth smaller than the gzip a
// static host adds (xtask/src/pack.rs), and lists the unpacker, the npm package xz-decompress,
// with its integrity. `trunk serve` packs nothing and lists none: the plain .wasm loads.
const unpackerIntegrity = document.querySelector('meta[name="netsplit-unpacker"]')?.content;
let unpacker;

/** xz-decompress's `XzReadableStream`, its script added to the page the first time. */
function xzReadableStream() {
  unpacker ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = new URL('./xz-decompress.js', import.meta.url);
    script.integrity = unpackerIntegrity;
    script.onload = () => {
      const stream = window['xz-decompress']?.XzReadableStream;
      if (stream) {
        resolve(stream);
      } else {
        reject(new Error('the xz unpacker loaded but did not start'));
      }
    };
    script.onerror = () => reject(new Error('the xz unpacker did not download'));
    document.head.append(script);
  });
  return unpacker;
}

/** Bundle `name`'s WebAssembly, unpacked as it downloads and compiled as it unpacks. */
async function packedModule(name) {
  const [XzReadableStream, packed] = await Promise.all([
    xzReadableStream(),
    fetch(new URL(`./netsplit-${name}_bg.wasm.xz`, import.meta.url)),
  ]);
  if (!packed.ok) {
    throw new Error(`netsplit-${name}_bg.wasm.xz: ${packed.status} ${packed.statusText}`);
  }
  return WebAssembly.compileStreaming(
    new Response(new XzReadableStream(packed.body), {
      headers: { 'Content-Type': 'application/wasm' },
    }),
  );
}

/** Bundle `name`'s compiled WebAssembly: from the packed file, else from the plain one. */
async function compiledModule(name) {
  if (unpackerIntegrity) {
    try {
      return await packedModule(name);
    } catch (error) {
      // A host that mangles the packed file, or a browser the unpacker cannot run in:
      // the plain file is beside it.
      console.warn(`Netsplit: the packed netsplit-${name} did not load (${error.message}); loading it unpacked.`);
    }
  }
  const plain = await fetch(new URL(`./netsplit-${name}_bg.wasm`, import.meta.url));
  if (!plain.ok) {
    throw new Error(`netsplit-${name}_bg.wasm: ${plain.status} ${plain.statusText}`);
  }
  // Streaming compilation needs the right type; a host that sends another still works.
  return plain.headers.get('Content-Type') === 'application/wasm'
    ? WebAssembly.compileStreaming(plain)
    : WebAssembly.compile(await plain.arrayBuffer());
}

/** Downloads bundle `name` and starts it: its `main` renders the page, or its part. */
async function start(name) {
  // Download and compile the WebAssembly (and the unpacker) while the JS glue loads, not after.
  const module = compiledModule(name);
  // Its failure is reported below, once the glue is in; until then it is not "unhandled".
  module.catch(() => {});
  const glue = await import(`./netsplit-${name}.js`);
  await glue.default({ module_or_path: await module });
}

/** An alert saying bundle `name` did not download, and why: a page-wide `main`, or a `div`. */
function failure(name, error, pageWide) {
  console.error('Netsplit could not start:', error);
  const note = document.createElement(pageWide ? 'main' : 'div');
  note.className = pageWide ? 'home' : 'field-error';
  note.setAttribute('role', 'alert');
  const heading = document.createElement(pageWide ? 'h1' : 'strong');
  heading.textContent = `Netsplit could not load this ${pageWide ? 'page' : 'view'}`;
  const text = document.createElement('p');
  text.textContent = `Its code (netsplit-${name}) did not download: ${error.message}. Check the connection and reload.`;
  note.append(heading, text);
  return note;
}

// A part of a page whose code is a bundle of its own, downloaded when first shown (the rate
// limiting page's distributed tab; see web/src/remote_part.rs). The page calls this with the
// bundle's name once it has rendered the part's host element, #netsplit-part.
window.netsplitPart = async (part) => {
  const host = document.getElementById('netsplit-part');
  try {
    if (!parts.includes(part)) {
      throw new Error(`this site has no bundle called ${part}`);
    }
    await start(part);
  } catch (error) {
    host?.append(failure(part, error, false));
  }
};

const wanted = bundleFor(window.location);
const name = built.includes(wanted) ? wanted : 'app';
// The whole app shows every page, so it takes every page's styles.
for (const page of name === 'app' ? pageStyles.keys() : [name]) {
  addStyles(page);
}
try {
  await start(name);
} catch (error) {
  // Offline, or the files are missing: say so rather than leave a blank page. (A panic
  // inside the app is shown by the app's own overlay, web/src/panic_overlay.rs.)
  document.body.append(failure(name, error, true));
}
