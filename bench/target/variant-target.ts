import type { Target } from './target.js';
import type { Variant } from '../../wire/variants.js';

/**
 * Where a column's clients connect: the HTTP/2 variants (`sse/h2`) to the server's h2c listener,
 * the others where every client does (the server, or the fault proxy in front of it). Throws
 * (the column fails, the run goes on) when the target has no way to serve the variant.
 */
export function variantClientUrl(variant: Variant, target: Target): string {
  if (!variant.http2) return target.clientUrl;
  if (target.proxy !== undefined)
    throw new Error(
      `${variant.name}: the fault proxy (--net-*) fronts the HTTP/1.1 port only; run HTTP/2 variants without --net-latency, --net-jitter or --net-bandwidth`,
    );
  if (target.h2cUrl === undefined)
    throw new Error(`${variant.name} needs a server with an h2c listener: the spawned server gets one, --target ${target.url} has none`);
  return target.h2cUrl;
}
