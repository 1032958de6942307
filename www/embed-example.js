// Drives the three embedded labs of embed-example.html through Netsplit's postMessage
// script API (docs/embedding.md). A file rather than an inline script, so the page keeps
// the strict Content-Security-Policy.

const frames = {
  raft: document.getElementById('frame-raft'),
  broadcast: document.getElementById('frame-broadcast'),
  partition: document.getElementById('frame-partition'),
};

// The latest leader each frame reported, so "Crash the leader" knows whom to crash.
const leaders = {};

// Only the frames' own origin is trusted: the labs are served beside this page.
const labOrigin = new URL('index.html', document.baseURI).origin;

function send(name, message) {
  frames[name].contentWindow.postMessage({ netsplit: 1, ...message }, labOrigin);
}

function log(name, text) {
  const line = document.querySelector(`[data-log="${name}"]`);
  if (line) line.textContent = text;
}

const commands = {
  'crash-leader': (name) => {
    const leader = leaders[name];
    if (leader === undefined) {
      log(name, 'No leader yet: press Play and wait for an election.');
      return;
    }
    send(name, { type: 'action', action: { type: 'crash', node: leader } });
    send(name, { type: 'play' });
  },
  'cut-link': (name) => send(name, { type: 'action', action: { type: 'cut_link_both', from: 1, to: 2 } }),
  heal: (name) => send(name, { type: 'action', action: { type: 'heal_all' } }),
  play: (name) => send(name, { type: 'play' }),
  pause: (name) => send(name, { type: 'pause' }),
  'seek-2s': (name) => send(name, { type: 'seek', time_ms: 2000 }),
  reload: (name) => send(name, { type: 'load', preset: 'raft-minority-partition' }),
};

for (const button of document.querySelectorAll('button[data-command]')) {
  button.addEventListener('click', () => commands[button.dataset.command]?.(button.dataset.frame));
}

window.addEventListener('message', (event) => {
  if (event.origin !== labOrigin) return;
  const data = event.data;
  if (!data || data.netsplit !== 1) return;
  const name = Object.keys(frames).find((key) => frames[key].contentWindow === event.source);
  if (!name) return;
  switch (data.type) {
    case 'ready':
      log(name, `The ${data.lab} lab is ready.`);
      break;
    case 'leader_elected':
      leaders[name] = data.node;
      log(name, `Node ${data.node} became leader at ${data.time_ms.toFixed(1)} ms.`);
      break;
    case 'violation':
      log(name, `Violation of ${data.property} at ${data.time_ms.toFixed(1)} ms: ${data.message}`);
      break;
    case 'time':
      document.querySelector(`[data-log="${name}"]`)?.setAttribute('data-time-ms', String(data.time_ms));
      document.querySelector(`[data-log="${name}"]`)?.setAttribute('data-fingerprint', data.fingerprint);
      break;
    default:
      break;
  }
});
