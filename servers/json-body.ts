import { WirelabError } from '../wire/errors.js';

/**
 * The JSON of a body that arrived as text: browsers send `text/plain` to avoid a CORS
 * preflight, and the body is still JSON. Throws WL_BAD_BODY naming the endpoint.
 */
export function parseJsonText(text: string, endpoint: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new WirelabError('WL_BAD_BODY', `the ${endpoint} body is not valid JSON`);
  }
}
