import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getJson, openSse, openWs } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../servers/main.ts', import.meta.url));

describe('graceful shutdown on SIGTERM', () => {
  it('closes WebSockets with 1001, ends SSE streams, answers held long polls, and exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', '--mode', 'idle', '--ready-json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit') as Promise<[number | null]>;
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    const { url } = JSON.parse(line) as { url: string };
    const ws = await openWs(`${url.replace(/^http/, 'ws')}/ws`);
    const sse = await openSse(`${url}/sse`);
    await ws.inbox.until((m) => m.length >= 1);
    await sse.inbox.until((m) => m.length >= 1);
    const poll = getJson(`${url}/long-poll?since=0&timeout=30000`);
    // The long poll is held once its request reached the server; the stats show it.
    for (let held = 0, tries = 0; held === 0 && tries < 500; tries++)
      held = (await getJson<any>(`${url}/stats`)).body.transports['long-poll'].connections;
    child.kill('SIGTERM');
    expect((await ws.closed).code).toBe(1001);
    await sse.ended;
    expect((await poll).body.events).toEqual([]);
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
