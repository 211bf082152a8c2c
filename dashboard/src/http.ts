/**
 * Addresses of the server that served this page. An access token given in the page's own
 * query (`/?token=…#demo`) is passed on as `?token=` to every request, because a browser's
 * EventSource and WebSocket cannot set an Authorization header.
 */
let pageToken: string | null | undefined;

function token(): string | undefined {
  pageToken ??= new URLSearchParams(location.search).get('token');
  return pageToken ?? undefined;
}

export type Query = Record<string, string | number | undefined>;

export function httpUrl(path: string, query: Query = {}): string {
  // Resolved against the page's folder, so the dashboard also works under a path prefix.
  const url = new URL(`.${path}`, location.href);
  url.hash = '';
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
  const given = token();
  if (given !== undefined) url.searchParams.set('token', given);
  return url.toString();
}

export function wsUrl(path: string, query: Query = {}): string {
  return httpUrl(path, query).replace(/^http/, 'ws');
}

export interface WireError {
  status: number;
  code: string;
  message: string;
}

/** Reads `{"error":{"code","message"}}` from a failed response, or makes one up from the status. */
export async function wireError(response: Response): Promise<WireError> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') {
      return { status: response.status, code: body.error.code, message: String(body.error.message ?? '') };
    }
  } catch {
    // not JSON
  }
  return { status: response.status, code: `HTTP_${response.status}`, message: response.statusText || `HTTP ${response.status}` };
}

export class HttpError extends Error {
  constructor(readonly wire: WireError) {
    super(`${wire.code}: ${wire.message}`);
  }
}

export async function fetchJson<T>(path: string, query: Query = {}, init: RequestInit = {}): Promise<T> {
  const response = await fetch(httpUrl(path, query), { cache: 'no-store', ...init });
  if (!response.ok) throw new HttpError(await wireError(response));
  return (await response.json()) as T;
}

/** What `GET /api/info` says about the server that served the page. */
export interface ServerInfo {
  service: 'wirelab-server' | 'wirelab-bench' | string;
  live: boolean;
  mode?: string;
  epoch?: string;
  runId?: string | null;
  finished?: boolean;
}
