import type { PollCursor } from '../../clients/poll-cursor.js';
import { PROTOCOLS, type ProtocolName } from '../../wire/protocols.js';
import { OptionError } from '../../wire/errors.js';
import { printableUrl } from './publish-transport.js';
import {
  isTimestampClock,
  parseJsonPath,
  TIMESTAMP_CLOCKS,
  type JsonPath,
  type TimestampClock,
} from '../../clients/codecs/timestamp-field.js';

/**
 * A preset says how to speak to one kind of server: which protocols it serves and at which
 * URLs, how each resumes, and how the harness publishes into it. `plan()` turns what the user
 * typed into a {@link TargetPlan} of plain data (it crosses to the worker threads), or throws a
 * OptionError naming the flag. docs/targets.md describes every preset.
 */

export const PRESET_NAMES = Object.freeze(['wirelab', 'nchan', 'socketio', 'generic'] as const);
export type PresetName = (typeof PRESET_NAMES)[number];

/** What the user typed about the target (the CLI's flags). */
export interface TargetInput {
  /** --target: http(s)://, or ws(s):// where it applies. */
  target: string;
  preset: PresetName;
  /** --channel (nchan). */
  channel?: string;
  /** --event (socketio). @default 'feed' */
  event?: string;
  /** --namespace (socketio). @default '/' */
  namespace?: string;
  /** --ws-url, --sse-url, --long-poll-url, --poll-url: full URLs, or paths relative to --target. */
  urls?: Partial<Record<ProtocolName, string>>;
  /** --publish: the publish endpoint, a full URL or a path relative to --target. */
  publish?: string;
  /** --publish-method. @default 'POST' */
  publishMethod?: string;
  /** --publish-header, on publishes only (after --header). */
  publishHeaders?: Record<string, string>;
  /** --publish-body: the body around the message, with {{message}} once. */
  publishBody?: string;
  /** --header: on every request and upgrade, publishes included. */
  headers?: Record<string, string>;
  /** --insecure: accept certificates that do not verify. */
  insecure?: boolean;
  /** --poll-cursor (generic): none | etag | last-modified | etag+last-modified | query:… */
  pollCursor?: string;
  /** --poll-drain (generic): poll again at once after an answer that carried a message. */
  pollDrain?: boolean;
  /** --control-token (wirelab): steer the server's own feed. */
  controlToken?: string;
  /** --timestamp-field (generic, receive-only): the JSON path of the server's own send time in each message. */
  timestampField?: string;
  /** --timestamp-clock: what that field counts. @default 'epoch-ms' */
  timestampClock?: string;
}

/** How one protocol's clients reach the target. */
export interface EndpointPlan {
  readonly protocol: ProtocolName;
  /** The endpoint's full URL (wirelab: the server's base URL). */
  readonly url: string;
  /** `wirelab`: wirelab's own wire protocol; `marker`: a foreign server, messages found by marker. */
  readonly format: 'wirelab' | 'marker';
  /** How a client resumes after a drop, in words (the header line, docs). */
  readonly resume: string;
  readonly cursor?: PollCursor;
  readonly drain?: boolean;
  readonly socketio?: { readonly namespace: string };
  /** WebSocket: the subprotocol whose messages carry ids, and the query parameter a reconnect resumes with. */
  readonly wsMessageIds?: { readonly subprotocol: string; readonly param: string };
}

/** How the harness publishes (or does not). */
export type PublisherPlan =
  | {
      readonly kind: 'http';
      readonly url: string;
      readonly method: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly bodyTemplate?: string;
    }
  | {
      readonly kind: 'socketio';
      readonly url: string;
      readonly event: string;
      readonly namespace: string;
      readonly headers: Readonly<Record<string, string>>;
    }
  /** wirelab: the server's own feed, steered with the control token, or measured as it runs. */
  | { readonly kind: 'feed'; readonly steered: boolean }
  /** Nothing is published by the harness: receive-only. */
  | { readonly kind: 'none' };

export interface TargetPlan {
  readonly preset: PresetName;
  /** The target without credentials or query, safe to print. */
  readonly target: string;
  /** The protocols that run, in table order. */
  readonly endpoints: readonly EndpointPlan[];
  readonly publisher: PublisherPlan;
  /** --header, on every client request and upgrade. */
  readonly headers: Readonly<Record<string, string>>;
  readonly insecure: boolean;
  /** What the run's header line says about the target: never a secret. */
  readonly summary: string;
  /** Receive-only: where each message carries the server's own send time, for latency. */
  readonly timestamp?: TimestampPlan;
}

/** `--timestamp-field` and `--timestamp-clock`, checked. */
export interface TimestampPlan {
  /** As the user typed it (the header line, the result). */
  readonly field: string;
  readonly path: JsonPath;
  readonly clock: TimestampClock;
}

export interface Preset {
  readonly name: PresetName;
  /** The protocols the preset can speak, in table order. */
  readonly protocols: readonly ProtocolName[];
  /** What the server must provide, one requirement each. */
  readonly requires: readonly string[];
  /** The target options this preset reads; any other one given is an error. */
  readonly accepts: readonly (keyof TargetInput)[];
  plan(input: TargetInput): TargetPlan;
}

/** The flag each target option comes from, for error messages. */
export const FLAGS: Readonly<Record<keyof TargetInput, string>> = Object.freeze({
  target: '--target',
  preset: '--preset',
  channel: '--channel',
  event: '--event',
  namespace: '--namespace',
  urls: '--ws-url/--sse-url/--long-poll-url/--poll-url',
  publish: '--publish',
  publishMethod: '--publish-method',
  publishHeaders: '--publish-header',
  publishBody: '--publish-body',
  headers: '--header',
  insecure: '--insecure',
  pollCursor: '--poll-cursor',
  pollDrain: '--poll-drain',
  controlToken: '--control-token',
  timestampField: '--timestamp-field',
  timestampClock: '--timestamp-clock',
});

const URL_FLAGS: Readonly<Record<ProtocolName, string>> = Object.freeze({
  ws: '--ws-url',
  sse: '--sse-url',
  'long-poll': '--long-poll-url',
  'short-poll': '--poll-url',
});

/** Options every preset reads. */
export const COMMON_OPTIONS: readonly (keyof TargetInput)[] = ['target', 'preset', 'headers', 'insecure'];

/** Throws when `input` gives an option `preset` does not read. */
export function checkApplies(preset: Preset, input: TargetInput): void {
  for (const key of Object.keys(input) as (keyof TargetInput)[]) {
    if (input[key] === undefined || preset.accepts.includes(key)) continue;
    throw new OptionError(FLAGS[key], `does not apply to --preset ${preset.name}`);
  }
}

/** The parsed --target: http(s) or ws(s), nothing else. */
export function targetUrl(input: TargetInput): URL {
  let url: URL;
  try {
    url = new URL(input.target);
  } catch {
    throw new OptionError('--target', `must be an absolute URL, got ${JSON.stringify(input.target)}`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol))
    throw new OptionError('--target', `must be http(s):// or ws(s)://, got ${JSON.stringify(input.target)}`);
  return url;
}

/**
 * `value` (a full URL, or a path relative to the target) as a full URL; `scheme` picks ws(s)
 * for WebSocket endpoints and http(s) for the rest, keeping the target's security.
 */
export function endpointUrl(target: URL, value: string, scheme: 'ws' | 'http', flag: string): string {
  let url: URL;
  try {
    url = value.startsWith('/') ? new URL(value, target) : new URL(value);
  } catch {
    throw new OptionError(flag, `must be a full URL or a path starting with '/', got ${JSON.stringify(value)}`);
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol))
    throw new OptionError(flag, `must be http(s):// or ws(s)://, got ${JSON.stringify(value)}`);
  url.protocol = scheme === 'ws' ? (secure ? 'wss:' : 'ws:') : secure ? 'https:' : 'http:';
  return url.toString();
}

/** `protocol`'s endpoint at `value` (a full URL, or a path on the target), refused naming its `--*-url` flag. */
export function protocolEndpointUrl(target: URL, protocol: ProtocolName, value: string): string {
  return endpointUrl(target, value, PROTOCOLS[protocol].upgrade ? 'ws' : 'http', URL_FLAGS[protocol]);
}

/** A printable form of a plan's endpoints and publisher, for the header line. */
export function summarize(preset: PresetName, target: string, endpoints: readonly EndpointPlan[], publisher: PublisherPlan): string {
  const protocols = endpoints.map((endpoint) => `${endpoint.protocol} (resume: ${endpoint.resume})`).join(', ');
  return `${target}, preset ${preset}; ${protocols}; publisher: ${describePublisher(publisher)}`;
}

export function describePublisher(publisher: PublisherPlan): string {
  switch (publisher.kind) {
    case 'http':
      return `${publisher.method} ${printableUrl(publisher.url)}`;
    case 'socketio':
      return `Socket.IO emit "${publisher.event}" on ${printableUrl(publisher.url)}${publisher.namespace === '/' ? '' : ` ${publisher.namespace}`}`;
    case 'feed':
      return publisher.steered
        ? "the server's own feed, steered with the control token"
        : "the server's own feed as it runs (receive-only)";
    case 'none':
      return 'none (receive-only)';
  }
}

const METHOD = /^[A-Z]+$/;
const PLACEHOLDER = '{{message}}';

/** The HTTP publisher of --publish (or `fallback`), its method, headers and body template, checked. */
export function httpPublisherPlan(input: TargetInput, target: URL, fallback?: string): PublisherPlan {
  const where = input.publish ?? fallback;
  if (where === undefined) return { kind: 'none' };
  const url = endpointUrl(target, where, 'http', '--publish');
  const method = (input.publishMethod ?? 'POST').toUpperCase();
  if (!METHOD.test(method) || method === 'GET' || method === 'HEAD')
    throw new OptionError(
      '--publish-method',
      `must be a method that carries a body (POST, PUT, PATCH, …), got ${JSON.stringify(input.publishMethod)}`,
    );
  const template = input.publishBody;
  if (template !== undefined) {
    const at = template.indexOf(PLACEHOLDER);
    if (at === -1 || template.indexOf(PLACEHOLDER, at + 1) !== -1)
      throw new OptionError('--publish-body', `must contain ${PLACEHOLDER} exactly once, got ${JSON.stringify(template)}`);
  }
  return {
    kind: 'http',
    url,
    method,
    headers: { ...input.headers, ...input.publishHeaders },
    ...(template === undefined ? {} : { bodyTemplate: template }),
  };
}

/**
 * The server's own send time of a receive-only run (`--timestamp-field`, `--timestamp-clock`),
 * or undefined when not asked for. With the harness publishing, its marker gives the latency.
 */
export function timestampPlan(input: TargetInput, publisher: PublisherPlan): TimestampPlan | undefined {
  if (input.timestampField === undefined) {
    if (input.timestampClock !== undefined) throw new OptionError('--timestamp-clock', 'needs --timestamp-field: the field it reads');
    return undefined;
  }
  if (publisher.kind !== 'none')
    throw new OptionError(
      '--timestamp-field',
      'applies to a receive-only run (no --publish): with the harness publishing, latency comes from its own marker, on one clock',
    );
  let path: JsonPath;
  try {
    path = parseJsonPath(input.timestampField);
  } catch (error) {
    throw new OptionError('--timestamp-field', (error as Error).message);
  }
  const clock = input.timestampClock ?? 'epoch-ms';
  if (!isTimestampClock(clock))
    throw new OptionError('--timestamp-clock', `must be one of ${TIMESTAMP_CLOCKS.join(', ')}, got ${JSON.stringify(clock)}`);
  return { field: input.timestampField, path, clock };
}

/** A plan from its parts, with its summary. */
export function makePlan(
  preset: PresetName,
  input: TargetInput,
  target: URL,
  endpoints: EndpointPlan[],
  publisher: PublisherPlan,
): TargetPlan {
  const printable = printableUrl(target.toString()).replace(/\/$/, '');
  return {
    preset,
    target: printable,
    endpoints,
    publisher,
    headers: { ...input.headers },
    insecure: input.insecure ?? false,
    summary: summarize(preset, printable, endpoints, publisher),
  };
}
