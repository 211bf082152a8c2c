import type { Command } from 'commander';
import { OptionError } from '../../wire/errors.js';
import type { ProtocolName } from '../../wire/protocols.js';
import { parsePidList } from '../measure/target-processes.js';
import type { BenchOptions, ForeignTargetOptions } from '../options.js';
import { PRESET_NAMES, type PresetName } from '../target/preset.js';

/** The foreign-target flags (docs/targets.md), added to the bench command and read into BenchOptions. */

type Flags = Record<string, string | string[] | boolean | undefined>;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addTargetFlags(program: Command): Command {
  return program
    .option('--preset <name>', `how to speak to --target: ${PRESET_NAMES.join(', ')} (default wirelab)`)
    .option('--channel <name>', 'preset nchan: the channel (a fresh one per run is best)')
    .option('--event <name>', 'preset socketio: the event the publisher emits and the server relays (default feed)')
    .option('--namespace <name>', 'preset socketio: the namespace joined (default /)')
    .option('--ws-url <url>', 'generic, nchan: the WebSocket endpoint, a full URL or a path relative to --target')
    .option('--sse-url <url>', 'generic, nchan: the SSE endpoint')
    .option('--long-poll-url <url>', 'generic, nchan: the long-polling endpoint')
    .option('--poll-url <url>', 'generic, nchan: the short-polling endpoint')
    .option('--publish <url>', 'generic, nchan: where the harness publishes (generic without it: receive-only)')
    .option('--publish-method <method>', 'generic, nchan: the publish method (default POST)')
    .option('--publish-header <header>', "generic, nchan: 'Name: value' on publishes only, repeatable", collect)
    .option('--publish-body <template>', 'generic, nchan: the body around the message, with {{message}} once')
    .option('--header <header>', "'Name: value' on every request and upgrade, repeatable; never printed nor written", collect)
    .option('--insecure', 'TLS: accept a certificate that does not verify (self-signed)')
    .option(
      '--poll-cursor <mode>',
      'generic: none, etag, last-modified, etag+last-modified, query:PARAM[=json:PATH|=header:NAME] (default none)',
    )
    .option('--poll-drain', 'generic: after a short-poll answer with a message, poll again at once')
    .option(
      '--timestamp-field <path>',
      "generic, receive-only: the JSON path of the server's own send time in each message (ts, data.sentAt)",
    )
    .option('--timestamp-clock <clock>', 'what --timestamp-field counts: epoch-s, epoch-ms (default), epoch-us, epoch-ns or iso')
    .option('--target-pid <pids>', 'foreign target on this machine: server CPU and memory from /proc, summed over PID[,PID…]');
}

/** Reads the foreign-target flags into `options` (after --target and --control-token). */
export function readTargetFlags(flags: Flags, options: BenchOptions): void {
  const text = (name: string): string | undefined => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  const list = (name: string): string[] | undefined => (Array.isArray(flags[name]) ? (flags[name] as string[]) : undefined);
  const preset = text('preset');
  const foreign: ForeignTargetOptions = { preset: (preset ?? 'wirelab') as PresetName };
  const set = <K extends keyof ForeignTargetOptions>(key: K, value: ForeignTargetOptions[K] | undefined): void => {
    if (value !== undefined) foreign[key] = value;
  };
  set('channel', text('channel'));
  set('event', text('event'));
  set('namespace', text('namespace'));
  const urls: Partial<Record<ProtocolName, string>> = {};
  const url = (protocol: ProtocolName, name: string): void => {
    const value = text(name);
    if (value !== undefined) urls[protocol] = value;
  };
  url('ws', 'wsUrl');
  url('sse', 'sseUrl');
  url('long-poll', 'longPollUrl');
  url('short-poll', 'pollUrl');
  if (Object.keys(urls).length > 0) foreign.urls = urls;
  set('publish', text('publish'));
  set('publishMethod', text('publishMethod'));
  set('publishHeaders', headerMap('--publish-header', list('publishHeader')));
  set('publishBody', text('publishBody'));
  set('headers', headerMap('--header', list('header')));
  if (flags.insecure === true) foreign.insecure = true;
  set('pollCursor', text('pollCursor'));
  if (flags.pollDrain === true) foreign.pollDrain = true;
  set('timestampField', text('timestampField'));
  set('timestampClock', text('timestampClock'));
  const given = Object.keys(foreign).length > 1 || preset !== undefined;
  if (given) options.foreign = foreign;
  const pids = text('targetPid');
  if (pids !== undefined) {
    try {
      options.targetPids = parsePidList(pids);
    } catch (error) {
      throw new OptionError('--target-pid', (error as Error).message);
    }
  }
}

/** `Name: value` lines into a header map; the value is never put in a message. */
function headerMap(flag: string, lines: string[] | undefined): Record<string, string> | undefined {
  if (lines === undefined || lines.length === 0) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new OptionError(flag, `must be 'Name: value' with a valid header name (the value is not shown)`);
    headers[name] = line.slice(colon + 1).trim();
  }
  return headers;
}
