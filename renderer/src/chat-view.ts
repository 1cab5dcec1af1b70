/**
 * The chat panel on screen: a toggle that carries the unread count, the message log (a polite
 * live region, so screen readers read incoming messages), the channel's state, and the form.
 * Everything it shows is text: messages go in with textContent, links are spans that open only
 * through the handler, on a click or Enter. It holds no call logic (chat.ts does).
 */
import { splitLinks } from './chat-links.js';
import {
  formatClock,
  formatNumber,
  onLanguageChange,
  t,
  type Params,
  type StringKey,
} from './i18n.js';
import './chat.css';

/** One message of the call's chat. */
export interface ChatEntry {
  sender: string;
  text: string;
  /** When it was sent (ours) or received (theirs), on this machine's clock. */
  at: Date;
  own: boolean;
}

export interface ChatViewHandlers {
  /** Send was clicked, or Enter pressed in the message field. */
  onSend(draft: string): void;
  /** The draft changed (to check its length as it is typed). */
  onDraft(draft: string): void;
  /** The user clicked a link, or pressed Enter on it. */
  onOpenLink(url: string): void;
  /** The panel opened or closed, or the window gained focus or visibility. */
  onAttention(): void;
}

/** A text of the catalogue with its parameters, kept to be written again in another language. */
interface Words {
  key: StringKey;
  params?: Params;
}

/** The chat panel inside `container`. */
export class ChatView {
  private readonly toggle = document.createElement('button');
  private readonly toggleLabel = document.createElement('span');
  private readonly badge = document.createElement('span');
  private readonly body = document.createElement('div');
  private readonly stateLine = document.createElement('p');
  private readonly log = document.createElement('div');
  private readonly label = document.createElement('label');
  private readonly input = document.createElement('textarea');
  private readonly sendButton = document.createElement('button');
  private readonly noticeLine = document.createElement('p');
  private readonly times: { time: HTMLTimeElement; at: Date }[] = [];
  private unread = 0;
  private state: Words = { key: 'chat.stateIdle' };
  private notice: Words | null = null;

  constructor(
    container: HTMLElement,
    private readonly handlers: ChatViewHandlers,
  ) {
    this.toggle.type = 'button';
    this.toggle.className = 'chat-toggle';
    this.toggle.setAttribute('aria-expanded', 'true');
    this.toggle.setAttribute('aria-controls', 'chat-body');
    this.badge.className = 'chat-badge';
    // The count is in the button's name; read once, not twice.
    this.badge.setAttribute('aria-hidden', 'true');
    const arrow = document.createElement('span');
    arrow.className = 'chat-arrow';
    arrow.setAttribute('aria-hidden', 'true');
    arrow.textContent = '▾';
    this.toggle.append(arrow, this.toggleLabel, this.badge);
    const heading = document.createElement('h2');
    heading.className = 'chat-heading';
    heading.append(this.toggle);

    this.body.id = 'chat-body';
    this.stateLine.id = 'chat-state';
    this.stateLine.className = 'hint chat-state';
    this.log.id = 'chat-log';
    this.log.className = 'chat-log';
    this.log.setAttribute('role', 'log');
    this.log.setAttribute('aria-live', 'polite');
    // New messages are read out; times rewritten in another language are not.
    this.log.setAttribute('aria-relevant', 'additions');
    // It scrolls: keyboard users need to reach it.
    this.log.tabIndex = 0;

    const form = document.createElement('form');
    form.className = 'chat-form';
    form.noValidate = true;
    this.label.htmlFor = 'chat-input';
    this.input.id = 'chat-input';
    this.input.rows = 2;
    this.input.setAttribute('aria-describedby', 'chat-state chat-notice');
    this.sendButton.type = 'submit';
    this.sendButton.className = 'primary';
    this.noticeLine.id = 'chat-notice';
    this.noticeLine.className = 'chat-notice';
    this.noticeLine.setAttribute('role', 'status');
    const row = document.createElement('div');
    row.className = 'chat-row';
    row.append(this.input, this.sendButton);
    form.append(this.label, row, this.noticeLine);
    this.body.append(this.stateLine, this.log, form);
    container.replaceChildren(heading, this.body);

    this.toggle.addEventListener('click', () => {
      this.body.hidden = !this.body.hidden;
      this.toggle.setAttribute('aria-expanded', String(!this.body.hidden));
      handlers.onAttention();
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      handlers.onSend(this.input.value);
    });
    this.input.addEventListener('keydown', (event) => {
      // Enter sends; Shift+Enter is a new line; Enter that ends an IME composition is neither.
      if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
      event.preventDefault();
      form.requestSubmit();
    });
    this.input.addEventListener('input', () => handlers.onDraft(this.input.value));
    addEventListener('focus', () => handlers.onAttention());
    document.addEventListener('visibilitychange', () => handlers.onAttention());
    onLanguageChange(() => this.render());
    this.render();
  }

  /** Whether the user can see new messages now: the panel open, the window visible and focused. */
  get reading(): boolean {
    return !this.body.hidden && document.visibilityState === 'visible' && document.hasFocus();
  }

  get expanded(): boolean {
    return !this.body.hidden;
  }

  /** Appends a message to the log, scrolled into view if the log was at its end. */
  add(entry: ChatEntry): void {
    const atEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 8;
    const item = document.createElement('div');
    item.className = entry.own ? 'chat-message own' : 'chat-message';
    const meta = document.createElement('p');
    meta.className = 'chat-meta';
    const sender = document.createElement('bdi');
    sender.className = 'chat-sender';
    sender.textContent = entry.sender;
    const time = document.createElement('time');
    time.dateTime = entry.at.toISOString();
    time.textContent = formatClock(entry.at);
    this.times.push({ time, at: entry.at });
    meta.append(sender, ' ', time);
    const text = document.createElement('p');
    text.className = 'chat-text';
    text.dir = 'auto';
    text.append(
      ...splitLinks(entry.text).map((part) =>
        part.url ? this.link(part.text, part.url) : part.text,
      ),
    );
    item.append(meta, text);
    this.log.append(item);
    if (atEnd || entry.own) this.log.scrollTop = this.log.scrollHeight;
  }

  /** Empties the log (the call ended). */
  clear(): void {
    this.log.replaceChildren();
    this.times.length = 0;
  }

  /** Empties the message field, once its text was sent. */
  clearDraft(): void {
    this.input.value = '';
  }

  setUnread(count: number): void {
    this.unread = count;
    this.renderToggle();
  }

  /** The channel's state, under the toggle. */
  showState(key: StringKey, params?: Params): void {
    this.state = { key, params };
    this.stateLine.textContent = t(key, params);
  }

  /** A refusal or an error about the draft; `null` clears it. */
  showNotice(key: StringKey | null, params?: Params): void {
    this.notice = key ? { key, params } : null;
    this.noticeLine.textContent = key ? t(key, params) : '';
    this.input.setAttribute('aria-invalid', String(key === 'chat.tooLong'));
  }

  get noticeKey(): StringKey | null {
    return this.notice?.key ?? null;
  }

  /** A link: text in a link's style, opening nothing until the user activates it. */
  private link(text: string, url: string): HTMLElement {
    // Not an <a href>: the engine may preconnect or prefetch what an anchor points at.
    const link = document.createElement('span');
    link.className = 'chat-link';
    link.setAttribute('role', 'link');
    link.tabIndex = 0;
    link.dataset.url = url;
    link.title = t('chat.linkTitle', { url });
    link.textContent = text;
    link.addEventListener('click', () => this.handlers.onOpenLink(url));
    link.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      this.handlers.onOpenLink(url);
    });
    return link;
  }

  private renderToggle(): void {
    this.toggleLabel.textContent = t('chat.toggle');
    this.badge.textContent = this.unread > 0 ? formatNumber(this.unread) : '';
    this.badge.hidden = this.unread === 0;
    if (this.unread === 0) this.toggle.removeAttribute('aria-label');
    else if (this.unread === 1) this.toggle.setAttribute('aria-label', t('chat.toggleUnreadOne'));
    else this.toggle.setAttribute('aria-label', t('chat.toggleUnreadMany', { count: this.unread }));
  }

  /** Writes every text in the current language. */
  private render(): void {
    this.renderToggle();
    this.log.setAttribute('aria-label', t('chat.log'));
    this.label.textContent = t('chat.input');
    this.input.placeholder = t('chat.placeholder');
    this.sendButton.textContent = t('chat.send');
    this.showState(this.state.key, this.state.params);
    this.showNotice(this.notice?.key ?? null, this.notice?.params);
    for (const { time, at } of this.times) time.textContent = formatClock(at);
    for (const link of this.log.querySelectorAll<HTMLElement>('.chat-link')) {
      link.title = t('chat.linkTitle', { url: link.dataset.url ?? '' });
    }
  }
}
