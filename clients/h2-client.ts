import type { OutgoingChat } from './codecs/chat-message.js';
import { h2Parts, type H2Parts } from './h2-parts.js';
import type { HttpFeedClient } from './http.js';
import type { FeedClientOptions } from './types.js';

/** An HTTP feed client class (`any[]`: what TypeScript asks of the constructor a mixin extends). */
type HttpClientClass = abstract new (...args: any[]) => HttpFeedClient;

/**
 * `Http` (an HTTP/1.1 feed client) on an HTTP/2 connection, its own or one shared with other
 * clients: PING and chat go as streams on it, and it is closed on shutdown if it is the
 * client's own. The subclass carries its feed exchange on `h2` and says how to abandon it.
 */
export function overHttp2<Http extends HttpClientClass>(Base: Http) {
  abstract class H2Client extends Base {
    protected readonly h2: H2Parts;

    constructor(...args: any[]) {
      super(...args);
      const options = args[0] as FeedClientOptions;
      this.h2 = h2Parts(options, this.meter, this.sideRequestHandlers());
    }

    /** Abandons the feed exchange in flight (the client is shutting down). */
    protected abstract abandonExchange(): void;

    protected override async shutdown(): Promise<void> {
      this.h2.side.cancelAll();
      this.abandonExchange();
      await this.h2.owned?.close();
      await super.shutdown();
    }

    protected override transmitPing(id: string, sentAt: number): void {
      this.h2.side.ping(id, sentAt);
    }

    protected override transmitChat(message: OutgoingChat): void {
      this.h2.side.chat(this.chatText(message, false));
    }
  }
  return H2Client;
}
