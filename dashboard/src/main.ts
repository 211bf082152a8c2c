import { fetchJson, type ServerInfo } from './http.js';
import { serverGone, serverUp } from './server-note.js';
import { DemoView } from './demo/view.js';
import { LiveView } from './live/view.js';
import { ResultsView } from './results/view.js';
import type { View } from './view.js';

type Route = 'demo' | 'live' | 'results';

const app = document.getElementById('app')!;
const views: Record<Route, View> = { demo: new DemoView(), live: new LiveView(), results: new ResultsView() };
for (const view of Object.values(views)) {
  view.element.hidden = true;
  app.append(view.element);
}
let current: Route | undefined;

function parseHash(): { route: Route; args: string[] } | undefined {
  const [name, ...args] = location.hash.replace(/^#\/?/, '').split('/');
  return name === 'demo' || name === 'live' || name === 'results' ? { route: name, args } : undefined;
}

function render(): void {
  const parsed = parseHash();
  if (parsed === undefined) return;
  if (current !== parsed.route) {
    if (current !== undefined) {
      views[current].hide();
      views[current].element.hidden = true;
    }
    current = parsed.route;
    views[current].element.hidden = false;
  }
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a[data-route]')) {
    if (link.dataset.route === parsed.route) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.body.dataset.view = parsed.route;
  views[parsed.route].show(parsed.args);
}

/** Who served the page decides the default view: the bench's live server opens on #live. */
async function serverInfo(): Promise<ServerInfo | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 3000);
  try {
    return await fetchJson<ServerInfo>('/api/info', {}, { signal: controller.signal });
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

window.addEventListener('hashchange', render);

const info = await serverInfo();
for (const view of Object.values(views)) view.setServerInfo(info);
if (info === undefined) {
  serverGone();
} else {
  serverUp(info.live ? 'bench live server' : `feed server · ${info.mode ?? '?'} mode`);
}
if (parseHash() === undefined)
  history.replaceState(null, '', `${location.pathname}${location.search}#${info?.live === true ? 'live' : 'demo'}`);
render();
document.body.dataset.ready = 'true';
