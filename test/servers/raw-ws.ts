import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

/**
 * A WebSocket peer on a raw TCP socket, for tests that must see the frames themselves: the
 * RSV1 bit, the compressed payload, its length. Server frames are parsed here, independently
 * of the client under test.
 */

export interface ServerFrame {
  readonly fin: boolean;
  readonly rsv1: boolean;
  readonly opcode: number;
  readonly payload: Buffer;
}

export interface RawPeer {
  readonly socket: Socket;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly frames: ServerFrame[];
  /** Resolves once `test` holds on the frames received; rejects after `timeoutMs`. */
  until(test: (frames: ServerFrame[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Sends a masked client frame. */
  send(opcode: number, payload: Buffer, rsv1?: boolean): void;
  close(): void;
}

/** Upgrades `path` with `headers` added (an extension offer, say) and starts reading frames. */
export function rawWebSocket(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<RawPeer> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
  ];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    let peer: (RawPeer & { frames: ServerFrame[] }) | undefined;
    const waiters: Array<{ test: (frames: ServerFrame[]) => boolean; resolve: () => void }> = [];
    const wake = (): void => {
      for (const waiter of [...waiters]) {
        if (peer !== undefined && waiter.test(peer.frames)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    };
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (peer === undefined) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        const [statusLine = '', ...headerLines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const parsed: Record<string, string> = {};
        for (const line of headerLines) parsed[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
        buffer = buffer.subarray(end + 4);
        peer = {
          socket,
          status: Number(statusLine.split(' ')[1]),
          headers: parsed,
          frames: [],
          until(test, timeoutMs = 5000) {
            if (test(this.frames)) return Promise.resolve();
            return new Promise<void>((done, fail) => {
              const timer = setTimeout(() => fail(new Error(`timed out with ${this.frames.length} frames`)), timeoutMs);
              waiters.push({
                test,
                resolve: () => {
                  clearTimeout(timer);
                  done();
                },
              });
            });
          },
          send(opcode, payload, rsv1 = false) {
            const mask = randomBytes(4);
            const length = payload.length;
            const header = Buffer.alloc(length < 126 ? 2 : 4);
            header[0] = 0x80 | (rsv1 ? 0x40 : 0) | opcode;
            if (length < 126) header[1] = 0x80 | length;
            else {
              header[1] = 0x80 | 126;
              header.writeUInt16BE(length, 2);
            }
            socket.write(Buffer.concat([header, mask, Buffer.from(payload.map((byte, i) => byte ^ mask[i & 3]!))]));
          },
          close: () => socket.destroy(),
        };
        resolve(peer);
      }
      for (;;) {
        if (buffer.length < 2) break;
        const short = buffer[1]! & 0x7f;
        let at = 2;
        let length = short;
        if (short === 126) {
          if (buffer.length < 4) break;
          length = buffer.readUInt16BE(2);
          at = 4;
        } else if (short === 127) {
          if (buffer.length < 10) break;
          length = Number(buffer.readBigUInt64BE(2));
          at = 10;
        }
        if (buffer.length < at + length) break;
        peer.frames.push({
          fin: (buffer[0]! & 0x80) !== 0,
          rsv1: (buffer[0]! & 0x40) !== 0,
          opcode: buffer[0]! & 0x0f,
          payload: Buffer.from(buffer.subarray(at, at + length)),
        });
        buffer = buffer.subarray(at + length);
      }
      wake();
    });
  });
}
