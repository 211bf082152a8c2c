/**
 * Every error wirelab reports, over HTTP, over a WebSocket, from the clients or from the CLI,
 * has a code from this table. Codes are never reused once retired; `docs/errors.md` lists each
 * one and a test checks that the two agree. `status` is the HTTP status the error is answered
 * with when it travels over HTTP. Browser-safe.
 */
export const ERRORS = {
  WL_BAD_CURSOR: { code: 'WL_BAD_CURSOR', status: 400, message: 'bad resume cursor: %s' },
  WL_CURSOR_AHEAD: { code: 'WL_CURSOR_AHEAD', status: 400, message: 'resume point %s is beyond the feed head %s' },
  WL_BAD_QUERY: { code: 'WL_BAD_QUERY', status: 400, message: 'bad query parameter: %s' },
  WL_BAD_OPTION: { code: 'WL_BAD_OPTION', status: 400, message: 'bad option: %s' },
  WL_BAD_BODY: { code: 'WL_BAD_BODY', status: 400, message: 'bad request body: %s' },
  WL_BAD_MESSAGE: { code: 'WL_BAD_MESSAGE', status: 400, message: 'bad message: %s' },
  WL_UNKNOWN_TYPE: { code: 'WL_UNKNOWN_TYPE', status: 400, message: 'unknown message type %s' },
  WL_RATE_LIMITED: { code: 'WL_RATE_LIMITED', status: 429, message: 'too many messages: more than %s per second' },
  WL_TOO_LARGE: { code: 'WL_TOO_LARGE', status: 413, message: 'message of %s bytes is over the limit of %s bytes' },
  WL_REQUEST_TIMEOUT: {
    code: 'WL_REQUEST_TIMEOUT',
    status: 408,
    message: 'request not received in time: headers are due within %s ms, the whole request within %s ms',
  },
  WL_UNAUTHORIZED: { code: 'WL_UNAUTHORIZED', status: 401, message: 'missing or wrong access token' },
  WL_FORBIDDEN_ORIGIN: { code: 'WL_FORBIDDEN_ORIGIN', status: 403, message: 'origin %s is not allowed' },
  WL_CONTROL_DISABLED: { code: 'WL_CONTROL_DISABLED', status: 404, message: 'control is disabled: start the server with a control token' },
  WL_CONTROL_UNAUTHORIZED: {
    code: 'WL_CONTROL_UNAUTHORIZED',
    status: 401,
    message: 'missing or wrong control token (sent as Authorization: Bearer, never in the URL)',
  },
  WL_NOT_FOUND: { code: 'WL_NOT_FOUND', status: 404, message: 'no route %s %s' },
  WL_NOT_WEBSOCKET: { code: 'WL_NOT_WEBSOCKET', status: 404, message: 'no WebSocket endpoint at %s %s: upgrade at GET %s' },
  WL_SHUTTING_DOWN: { code: 'WL_SHUTTING_DOWN', status: 503, message: 'the server is shutting down' },
  WL_SLOW_CONSUMER: { code: 'WL_SLOW_CONSUMER', status: 503, message: 'client too slow: more than %s bytes unread' },
  WL_CHAT_CAPACITY: { code: 'WL_CHAT_CAPACITY', status: 503, message: 'chat capacity reached: %s' },
  WL_CHAT_UNAVAILABLE: { code: 'WL_CHAT_UNAVAILABLE', status: 503, message: 'no chat in the lobby here: %s' },
  WL_FEED_BEHIND: { code: 'WL_FEED_BEHIND', status: 503, message: 'the counted bench feed did not publish its count within %s ms' },
  WL_INTERNAL: { code: 'WL_INTERNAL', status: 500, message: 'internal error: %s' },
  WL_BROKER_DOWN: { code: 'WL_BROKER_DOWN', status: 503, message: 'the feed broker %s is unreachable: %s' },
  WL_NO_PUBLISHER: {
    code: 'WL_NO_PUBLISHER',
    status: 503,
    message: 'no publisher applied the feed settings within %s ms (they are stored: the next publisher applies them)',
  },
  WL_TARGET: { code: 'WL_TARGET', status: 502, message: '%s' },
  WL_BAD_ANSWER: { code: 'WL_BAD_ANSWER', status: 502, message: '%s' },
  WL_COMMAND_FAILED: { code: 'WL_COMMAND_FAILED', status: 500, message: '%s' },
  WL_NETNS: { code: 'WL_NETNS', status: 500, message: '%s' },
} as const satisfies Record<string, { code: string; status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An error that knows its code and HTTP status, so edges can report it without guessing. */
export class WirelabError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;

  constructor(code: ErrorCode, ...args: Array<string | number>) {
    super(format(ERRORS[code].message, args));
    this.name = 'WirelabError';
    this.code = code;
    this.statusCode = ERRORS[code].status;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

function format(template: string, args: Array<string | number>): string {
  let index = 0;
  return template.replace(/%s/g, () => String(args[index++] ?? ''));
}

/**
 * A bad option or flag value (the CLI's, the server's start-up options, the `--net-*` flags):
 * names the option and, when it came as text, the text. The CLI prints it and exits 2.
 */
export class OptionError extends WirelabError {
  constructor(
    /** The flag or option, as the user wrote it: `--clients`. */
    readonly option: string,
    detail: string,
    /** The text given, when the option came from the command line. */
    readonly value?: string,
  ) {
    super('WL_BAD_OPTION', `${option} ${detail}`);
    this.name = 'OptionError';
  }
}

/** The body every HTTP error has: `{"error":{"code","message"}}`. */
export function errorBody(error: WirelabError): { error: { code: ErrorCode; message: string } } {
  return { error: error.toJSON() };
}
