/** The head of every event stream; `x-accel-buffering` keeps reverse proxies from holding events back. */
export const SSE_RESPONSE_HEADERS = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
});
