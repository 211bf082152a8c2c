/**
 * The Redis keys of one shared feed. The feed name sits in a hash tag (`{…}`) so every key of
 * a feed lands in the same Redis Cluster slot, which the publish script needs.
 */
export interface BrokerKeys {
  /** The feed's Stream: one entry per update, id `SEQ-0`. */
  readonly stream: string;
  /** The epoch of the feed run the stream holds. */
  readonly epoch: string;
  /** The publisher lock: the id of the instance that may publish, with a time to live. */
  readonly publisher: string;
  /** The feed's settings (mode, rate, payload) and their version. */
  readonly settings: string;
  /** A small Stream of control notices: settings requested and applied, epoch changes. */
  readonly control: string;
  /** The latest snapshot (`seq`, `json`), for instances that load the stream's tail. */
  readonly snapshot: string;
}

export function brokerKeys(feed: string): BrokerKeys {
  const base = `wirelab:{${feed}}`;
  return Object.freeze({
    stream: `${base}:stream`,
    epoch: `${base}:epoch`,
    publisher: `${base}:publisher`,
    settings: `${base}:settings`,
    control: `${base}:control`,
    snapshot: `${base}:snapshot`,
  });
}
