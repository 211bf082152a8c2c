import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WirelabError, errorBody } from '../wire/errors.js';

/**
 * Every HTTP error leaves the server as `{"error":{"code","message"}}` with a WL_ code,
 * whether it was thrown by our code or by Fastify's body parser.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | WirelabError, request: FastifyRequest, reply: FastifyReply) => {
    const wirelab = toWirelabError(error, request);
    if (wirelab.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    void reply.code(wirelab.statusCode).type('application/json').send(errorBody(wirelab));
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new WirelabError('WL_NOT_FOUND', request.method, request.url.split('?')[0] ?? request.url);
    void reply.code(404).type('application/json').send(errorBody(error));
  });
}

function toWirelabError(error: FastifyError | WirelabError, request: FastifyRequest): WirelabError {
  if (error instanceof WirelabError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new WirelabError('WL_TOO_LARGE', request.headers['content-length'] ?? '?', request.server.wirelab.options.maxMessageBytes);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new WirelabError('WL_BAD_BODY', error.message);
    case 'FST_ERR_VALIDATION':
      return new WirelabError('WL_BAD_BODY', validationMessage(error));
    default:
      if (error instanceof SyntaxError || error.statusCode === 400) return new WirelabError('WL_BAD_BODY', error.message);
      return new WirelabError('WL_INTERNAL', error.message);
  }
}

/** Names the member at fault: ajv's own text for an unknown member does not say which one. */
function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (first?.keyword === 'additionalProperties') {
    return `${error.validationContext ?? 'body'}${first.instancePath} has an unknown member ${JSON.stringify(first.params.additionalProperty)}`;
  }
  return error.message;
}
