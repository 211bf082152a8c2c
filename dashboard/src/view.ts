import type { ServerInfo } from './http.js';

/** One of the three pages; the router shows one at a time. */
export interface View {
  readonly element: HTMLElement;
  /** `args` is the rest of the hash route: `#results/a,b` gives `['a,b']`. */
  show(args: string[]): void;
  hide(): void;
  setServerInfo(info: ServerInfo | undefined): void;
}
