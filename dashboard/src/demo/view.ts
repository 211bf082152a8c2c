import { DemoConnection, type ConnectionStatus, type DemoStats, type LogEntry } from './connection.js';
import { clear, h, help } from '../dom.js';
import { formatClock, formatCount, formatDurationMs, formatMillis, NOT_MEASURED } from '../../../bench/report/format.js';
import type { ServerInfo } from '../http.js';
import { PROTOCOL_NAMES, PROTOCOL_INFO, isProtocolName, protocolLabel, type ProtocolName } from '../protocols.js';
import { PROTOCOLS } from '../../../wire/protocols.js';
import { TIMINGS } from '../../../wire/timings.js';
import { serverBack, serverGone } from '../server-note.js';
import { SHORT_POLL_INTERVALS_MS } from './transports/short-poll.js';
import type { DemoEvent } from './transports/types.js';
import type { View } from '../view.js';

const LOG_LIMIT = 200;

const STAT_HELP = {
  messages: 'Every message received from the server: the snapshot, updates, resets and pongs.',
  connected: 'How long the current connection has been up (resets on every reconnect).',
  lastSeq:
    'Sequence number of the last update received. Updates are numbered 1, 2, 3 … per feed run; the epoch names the run. Reconnects resume from here.',
  reconnects: 'Times the connection came back by itself after it was lost.',
  requests: 'HTTP requests this page made for the feed and PINGs (a WebSocket makes one, the upgrade; polling makes one per poll).',
  gaps: 'Updates that never arrived: the seq jumped by more than one. Resume should keep this at 0.',
  rtt: 'Round-trip time of the last PING: from sending it to receiving its pong, measured by this page.',
} as const;

/** The event tracker of the tutorials, over any of the four protocols. */
export class DemoView implements View {
  readonly element: HTMLElement;
  private readonly connection: DemoConnection;
  private readonly statusElement: HTMLElement;
  private readonly statusText: HTMLElement;
  private readonly connectButton: HTMLButtonElement;
  private readonly disconnectButton: HTMLButtonElement;
  private readonly pingButton: HTMLButtonElement;
  private readonly intervalField: HTMLElement;
  private readonly protocolHelp: HTMLElement;
  private readonly eventsGrid: HTMLElement;
  private readonly staleNote: HTMLElement;
  /** When the scores on screen stopped being live (the connection went down), if they did. */
  private staleSince: Date | undefined;
  private readonly logList: HTMLElement;
  private readonly statValues = new Map<string, HTMLElement>();
  private readonly eventCards = new Map<number, HTMLElement>();
  private status: ConnectionStatus = { state: 'disconnected', protocol: 'ws', attempt: 0 };
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly notice: HTMLElement;
  /** Served by the bench's live server, which has no feed: Connect is pointless. */
  private noFeed = false;

  constructor() {
    this.connection = new DemoConnection({
      status: (status) => this.renderStatus(status),
      events: (changed) => this.renderEvents(changed),
      stats: (stats) => this.renderStats(stats),
      log: (entry) => this.addLog(entry),
    });

    const protocolSwitch = h(
      'fieldset',
      { class: 'protocol-switch', 'data-testid': 'protocol-switch' },
      h('legend', {}, 'Protocol'),
      ...PROTOCOL_NAMES.map((protocol) =>
        h(
          'label',
          { class: 'protocol-option', style: `--protocol:${PROTOCOL_INFO[protocol].colour}`, title: PROTOCOL_INFO[protocol].help },
          h('input', {
            type: 'radio',
            name: 'demo-protocol',
            value: protocol,
            checked: protocol === 'ws',
            'data-testid': `protocol-${protocol}`,
            onchange: (event: Event) => {
              const value = (event.target as HTMLInputElement).value;
              if (isProtocolName(value)) this.selectProtocol(value);
            },
          }),
          h('span', { class: 'swatch' }),
          protocolLabel(protocol),
        ),
      ),
    );

    const intervalSelect = h(
      'select',
      {
        'data-testid': 'poll-interval',
        onchange: (event: Event) => this.connection.setShortPollInterval(Number((event.target as HTMLSelectElement).value)),
      },
      ...SHORT_POLL_INTERVALS_MS.map((ms) =>
        h('option', { value: ms, selected: ms === TIMINGS.shortPollIntervalMs }, formatDurationMs(ms)),
      ),
    );
    this.intervalField = h('label', { class: 'interval-field', hidden: true }, 'poll every ', intervalSelect);

    this.connectButton = h(
      'button',
      { type: 'button', class: 'primary', 'data-testid': 'connect', onclick: () => this.connection.connect() },
      'Connect',
    );
    this.disconnectButton = h(
      'button',
      { type: 'button', 'data-testid': 'disconnect', disabled: true, onclick: () => this.connection.disconnect() },
      'Disconnect',
    );
    this.pingButton = h(
      'button',
      { type: 'button', 'data-testid': 'ping', disabled: true, onclick: () => this.connection.ping() },
      'Send PING',
    );

    this.statusText = h('span', { class: 'status-text' }, 'Disconnected');
    this.statusElement = h(
      'div',
      { class: 'status', 'data-state': 'disconnected', 'data-testid': 'status', role: 'status', 'aria-live': 'polite' },
      h('span', { class: 'dot', 'aria-hidden': 'true' }),
      this.statusText,
    );

    this.protocolHelp = h('p', { class: 'protocol-help' });
    this.notice = h('div', { class: 'notice', hidden: true });

    const stat = (key: keyof typeof STAT_HELP, label: string) => {
      const value = h('dd', { 'data-testid': `stat-${key}` }, NOT_MEASURED);
      this.statValues.set(key, value);
      const box = h('div', { class: 'stat' }, h('dt', {}, label, ' ', help(STAT_HELP[key])), value);
      if (key === 'lastSeq') {
        const epoch = h('div', { class: 'stat-note', 'data-testid': 'stat-epoch' });
        this.statValues.set('epoch', epoch);
        box.append(epoch);
      }
      return box;
    };
    const stats = h(
      'dl',
      { class: 'stats' },
      stat('messages', 'Messages received'),
      stat('connected', 'Connected for'),
      stat('lastSeq', 'Last seq'),
      stat('reconnects', 'Reconnects'),
      stat('requests', 'Requests made'),
      stat('gaps', 'Missed updates'),
      stat('rtt', 'Last PING RTT'),
    );

    this.eventsGrid = h('div', { class: 'events', 'data-testid': 'events' });
    this.staleNote = h('p', { class: 'stale-note', hidden: true, 'data-testid': 'stale-note', role: 'status' });
    this.renderEvents(undefined);

    this.logList = h('ol', { class: 'log', 'data-testid': 'log', 'aria-live': 'polite' });

    this.element = h(
      'section',
      { class: 'view demo-view', 'data-view': 'demo' },
      h(
        'header',
        { class: 'view-header' },
        h('h2', {}, 'Demo: live events'),
        h(
          'p',
          { class: 'lede' },
          'Five matches whose scores change at random, pushed by the server over the protocol you choose. Break the connection (stop the server) and watch it reconnect and resume without losing an update.',
        ),
      ),
      this.notice,
      h(
        'div',
        { class: 'panel controls' },
        protocolSwitch,
        this.intervalField,
        h('div', { class: 'buttons' }, this.connectButton, this.disconnectButton, this.pingButton),
        this.statusElement,
      ),
      this.protocolHelp,
      stats,
      h(
        'div',
        { class: 'demo-body' },
        h('div', {}, h('h3', {}, 'Events'), this.staleNote, this.eventsGrid),
        h('div', {}, h('h3', {}, 'Log'), this.logList),
      ),
    );
    this.renderProtocolHelp('ws');
    this.renderStats(this.connection.stats);
  }

  setServerInfo(info: ServerInfo | undefined): void {
    this.noFeed = info?.live === true;
    this.renderStatus(this.status);
    if (info?.live === true) {
      this.notice.hidden = false;
      this.notice.textContent =
        'This page is served by the bench\'s live server, which has no demo feed. For the demo, start the feed server with "npm start" and open the address it prints.';
    }
  }

  show(): void {
    this.timer ??= setInterval(() => this.tick(), 250);
  }

  hide(): void {
    // The connection keeps running in the background; only the clock stops.
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private selectProtocol(protocol: ProtocolName): void {
    this.renderProtocolHelp(protocol);
    this.connection.switchProtocol(protocol);
  }

  private renderProtocolHelp(protocol: ProtocolName): void {
    this.intervalField.hidden = !PROTOCOLS[protocol].onInterval;
    this.protocolHelp.textContent = PROTOCOL_INFO[protocol].help;
    this.protocolHelp.style.setProperty('--protocol', PROTOCOL_INFO[protocol].colour);
  }

  private renderStatus(status: ConnectionStatus): void {
    this.status = status;
    const colourState = status.state === 'connected' ? 'connected' : status.state === 'disconnected' ? 'disconnected' : 'connecting';
    this.statusElement.dataset.state = status.state;
    this.statusElement.dataset.colour = colourState;
    this.connectButton.disabled = status.state !== 'disconnected' || this.noFeed;
    this.disconnectButton.disabled = status.state === 'disconnected';
    this.pingButton.disabled = status.state !== 'connected';
    this.renderStatusText();
    this.renderStaleness(status);
  }

  /**
   * Scores left on screen after the connection went down are marked as such, with the time they
   * stopped; once a reconnect attempt has failed, the header says the server is not reachable.
   */
  private renderStaleness(status: ConnectionStatus): void {
    if (status.state === 'connected') {
      this.staleSince = undefined;
      serverBack();
    } else if (status.state !== 'connecting' && this.eventCards.size > 0) {
      this.staleSince ??= new Date();
    }
    if (status.state === 'reconnecting' && status.attempt >= 2) serverGone('feed server not reachable');
    const stale = this.staleSince !== undefined;
    this.eventsGrid.dataset.stale = String(stale);
    this.staleNote.hidden = !stale;
    if (stale) {
      const at = this.staleSince!.toLocaleTimeString('en-GB', { hour12: false });
      this.staleNote.textContent =
        status.state === 'disconnected'
          ? `Disconnected at ${at}: these scores are as of then.`
          : `Connection lost at ${at}: these scores are as of then, not live. Reconnecting…`;
    }
  }

  private renderStatusText(): void {
    const status = this.status;
    const label = protocolLabel(status.protocol);
    switch (status.state) {
      case 'connected':
        this.statusText.textContent = `Connected (${label})`;
        break;
      case 'connecting':
        this.statusText.textContent = `Connecting (${label})…`;
        break;
      case 'disconnected':
        this.statusText.textContent = 'Disconnected';
        break;
      case 'reconnecting': {
        if (status.retryAt === undefined) {
          this.statusText.textContent = `Reconnecting (${label}, attempt ${status.attempt})…`;
        } else {
          const seconds = Math.max(0, Math.ceil((status.retryAt - Date.now()) / 1000));
          const how = status.native === true ? 'EventSource retries by itself' : `attempt ${status.attempt}`;
          this.statusText.textContent = `Reconnecting in ${seconds} s (${label}, ${how})`;
        }
        break;
      }
    }
  }

  private renderStats(stats: DemoStats): void {
    const set = (key: string, text: string) => {
      const element = this.statValues.get(key);
      if (element !== undefined && element.textContent !== text) element.textContent = text;
    };
    set('messages', formatCount(stats.messages));
    set('connected', stats.connectedAt === undefined ? NOT_MEASURED : formatClock((Date.now() - stats.connectedAt) / 1000));
    set('lastSeq', stats.lastSeq === undefined ? NOT_MEASURED : String(stats.lastSeq));
    const epoch = this.statValues.get('epoch');
    if (epoch !== undefined) epoch.textContent = stats.epoch === undefined ? '' : `epoch ${stats.epoch}`;
    set('reconnects', formatCount(stats.reconnects));
    set('requests', formatCount(stats.requests));
    set('gaps', formatCount(stats.gaps));
    set('rtt', stats.lastRttMs === undefined ? NOT_MEASURED : formatMillis(stats.lastRttMs));
    this.statValues.get('gaps')?.classList.toggle('bad', stats.gaps > 0);
  }

  private renderEvents(changed: DemoEvent | undefined): void {
    if (changed === undefined) {
      clear(this.eventsGrid);
      this.eventCards.clear();
      const events = [...this.connection.events.values()].sort((a, b) => a.id - b.id);
      if (events.length === 0) {
        this.eventsGrid.append(h('p', { class: 'empty' }, 'No events yet: press Connect to receive the five live matches.'));
        return;
      }
      for (const event of events) {
        const card = h('article', { class: 'event-card', 'data-event-id': event.id });
        this.fillCard(card, event);
        this.eventCards.set(event.id, card);
        this.eventsGrid.append(card);
      }
      return;
    }
    let card = this.eventCards.get(changed.id);
    if (card === undefined) {
      this.renderEvents(undefined);
      card = this.eventCards.get(changed.id);
      if (card === undefined) return;
    }
    this.fillCard(card, changed);
    card.classList.remove('flash');
    void card.offsetWidth; // restart the highlight animation
    card.classList.add('flash');
  }

  private fillCard(card: HTMLElement, event: DemoEvent): void {
    clear(card);
    const [home, away] = event.name.split(' vs ');
    card.append(
      h('h4', {}, event.name),
      h(
        'div',
        { class: 'score', 'data-testid': `score-${event.id}` },
        h('span', { class: 'team' }, home ?? ''),
        h('span', { class: 'goals' }, `${event.score.home} – ${event.score.away}`),
        h('span', { class: 'team' }, away ?? ''),
      ),
      h('div', { class: 'minute' }, `${event.minute}′`),
    );
  }

  private addLog(entry: LogEntry): void {
    const time = entry.at.toLocaleTimeString('en-GB', { hour12: false }) + `.${String(entry.at.getMilliseconds()).padStart(3, '0')}`;
    const item = h(
      'li',
      { class: `log-entry ${entry.level}`, ...(entry.rttMs === undefined ? {} : { 'data-rtt': entry.rttMs.toFixed(3) }) },
      h('time', {}, time),
      ' ',
      entry.text,
    );
    this.logList.prepend(item);
    while (this.logList.childElementCount > LOG_LIMIT) this.logList.lastElementChild?.remove();
  }

  private tick(): void {
    if (this.status.state === 'reconnecting') this.renderStatusText();
    if (this.connection.stats.connectedAt !== undefined) this.renderStats(this.connection.stats);
  }
}
