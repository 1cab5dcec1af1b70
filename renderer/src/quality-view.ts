/**
 * What the user sees of the call's quality: the one-line indicator on the main view, and the
 * panel behind the "Call quality" button (a table of both directions, the path, the graph).
 * Every value has a slot of fixed width, so that nothing moves when the numbers change.
 */
import { element, type PageElements } from './dom.js';
import { formatBitrate, formatNumber, onLanguageChange, t, type StringKey } from './i18n.js';
import { QualityGraph } from './quality-graph.js';
import type { CallPath, CallQuality, DirectionQuality } from './quality-stats.js';

export interface QualityView {
  /** One second's measurements; `null` when that second gave none (a gap in the graph). */
  show(quality: CallQuality | null): void;
  /** The call is over: no indicator, empty values, an empty graph. */
  clear(): void;
}

function formatMs(ms: number): string {
  return formatNumber(ms, {
    style: 'unit',
    unit: 'millisecond',
    unitDisplay: 'short',
    maximumFractionDigits: 0,
  });
}

/** `format(value)`, or the missing-value dash. */
function or<T>(value: T | null, format: (known: T) => string): string {
  return value === null ? t('quality.missing') : format(value);
}

const plain = (value: number): string => formatNumber(value, { useGrouping: false });

/** The table's rows: a label and how each direction's value reads. */
const ROWS: readonly [StringKey, (d: DirectionQuality) => string][] = [
  ['quality.bitrate', (d) => or(d.bitrate, formatBitrate)],
  [
    'quality.loss',
    (d) =>
      or(d.loss, (loss) =>
        formatNumber(loss / 100, {
          style: 'percent',
          minimumFractionDigits: 1,
          maximumFractionDigits: 1,
        }),
      ),
  ],
  ['quality.jitter', (d) => or(d.jitter, formatMs)],
  [
    'quality.resolution',
    (d) =>
      d.width === null || d.height === null
        ? t('quality.missing')
        : t('quality.size', { width: plain(d.width), height: plain(d.height) }),
  ],
  [
    'quality.frameRate',
    (d) =>
      or(d.fps, (fps) =>
        t('quality.fps', { fps: formatNumber(fps, { maximumFractionDigits: 0 }) }),
      ),
  ],
  ['quality.codec', (d) => (d.codecs.length ? d.codecs.join(', ') : t('quality.missing'))],
];

function candidateWords(type: CallPath['local']): string {
  return or(type, (known) => t(`quality.candidate.${known}`));
}

function protocolWords(path: CallPath): string {
  const protocol = or(path.protocol, (p) => p.toUpperCase());
  if (path.relayProtocol === null) return protocol;
  return t('quality.overTurn', { protocol, relay: path.relayProtocol.toUpperCase() });
}

/** The facts below the table, each a term and its value. */
const FACTS: readonly [StringKey, (q: CallQuality) => string][] = [
  ['quality.rtt', (q) => or(q.rtt, formatMs)],
  ['quality.localCandidate', (q) => candidateWords(q.path?.local ?? null)],
  ['quality.remoteCandidate', (q) => candidateWords(q.path?.remote ?? null)],
  ['quality.protocol', (q) => or(q.path, protocolWords)],
];

/** The graph's lines and their names. */
const LEGEND: readonly [string, StringKey][] = [
  ['sent', 'quality.sent'],
  ['received', 'quality.received'],
  ['rtt', 'quality.rtt'],
];

const relayed = (path: CallPath | null): boolean =>
  path?.local === 'relay' || path?.remote === 'relay';

function indicatorWords(quality: CallQuality | null): string {
  if (!quality?.rating) return t('quality.measuring');
  return t('quality.indicator', {
    rating: t(`quality.rating.${quality.rating}`),
    path: quality.path
      ? t(relayed(quality.path) ? 'quality.relayed' : 'quality.direct')
      : t('quality.missing'),
    bitrate: or(quality.received.bitrate, formatBitrate),
    rtt: or(quality.rtt, formatMs),
  });
}

/** The disclosure button; its arrow shows open or closed, aria-expanded says it. */
function buildToggle(): { toggle: HTMLButtonElement; words: HTMLSpanElement } {
  const toggle = element('button', 'quality-toggle');
  toggle.type = 'button';
  toggle.setAttribute('aria-expanded', 'false');
  toggle.setAttribute('aria-controls', 'quality-details');
  const words = element('span');
  const arrow = element('span', 'quality-arrow');
  arrow.setAttribute('aria-hidden', 'true');
  toggle.append(words, arrow);
  return { toggle, words };
}

/** The table of both directions: a row per {@link ROWS} entry, Sent and Received columns. */
function buildTable() {
  const table = element('table', 'quality-table');
  const head = element('tr');
  const [sentHead, receivedHead] = [element('th'), element('th')];
  for (const cell of [sentHead, receivedHead]) cell.scope = 'col';
  head.append(element('td'), sentHead, receivedHead);
  table.createTHead().append(head);
  const body = table.createTBody();
  const rows = ROWS.map(([key, read]) => {
    const [label, sent, received] = [element('th'), element('td'), element('td')];
    label.scope = 'row';
    const row = element('tr');
    row.append(label, sent, received);
    body.append(row);
    return { key, label, sent, received, read };
  });
  return { table, sentHead, receivedHead, rows };
}

function buildFacts() {
  const list = element('dl', 'quality-facts');
  const facts = FACTS.map(([key, read]) => {
    const [term, value] = [element('dt'), element('dd')];
    const pair = element('div');
    pair.append(term, value);
    list.append(pair);
    return { key, term, value, read };
  });
  return { list, facts };
}

/** The graph's canvas and its legend (the lines' styles: quality.css and quality-graph.ts). */
function buildFigure() {
  const figure = element('figure', 'quality-figure');
  const canvas = element('canvas', 'quality-graph');
  canvas.setAttribute('role', 'img');
  const legend = element('ul', 'quality-legend');
  const names = LEGEND.map(([line, key]) => {
    const swatch = element('span', `quality-swatch quality-swatch-${line}`);
    swatch.setAttribute('aria-hidden', 'true');
    const words = element('span');
    const item = element('li');
    item.append(swatch, words);
    legend.append(item);
    return { key, words };
  });
  figure.append(canvas, legend);
  return { figure, canvas, names };
}

export function qualityView(ui: PageElements): QualityView {
  const { toggle, words: toggleWords } = buildToggle();
  const { table, sentHead, receivedHead, rows } = buildTable();
  const { list, facts } = buildFacts();
  const { figure, canvas, names } = buildFigure();
  const details = element('div', 'quality-details');
  details.id = 'quality-details';
  details.hidden = true;
  details.append(table, list, figure);
  ui.qualityPanel.classList.add('quality');
  ui.qualityPanel.replaceChildren(toggle, details);
  ui.qualityIndicator.classList.add('quality-indicator');

  const graph = new QualityGraph(canvas, { bitrate: formatBitrate, rtt: formatMs });
  let current: CallQuality | null = null;
  let inCall = false;

  const open = (): boolean => !details.hidden;

  function renderLabels(): void {
    toggleWords.textContent = t('quality.toggle');
    table.setAttribute('aria-label', t('quality.table'));
    sentHead.textContent = t('quality.sent');
    receivedHead.textContent = t('quality.received');
    for (const { key, label } of rows) label.textContent = t(key);
    for (const { key, term } of facts) term.textContent = t(key);
    for (const { key, words } of names) words.textContent = t(key);
  }

  function renderValues(): void {
    const missing = t('quality.missing');
    for (const { sent, received, read } of rows) {
      sent.textContent = current ? read(current.sent) : missing;
      received.textContent = current ? read(current.received) : missing;
    }
    for (const { value, read } of facts) value.textContent = current ? read(current) : missing;
    const latest = graph.latest;
    canvas.setAttribute(
      'aria-label',
      latest
        ? t('quality.graph', {
            sent: or(latest.sent, formatBitrate),
            received: or(latest.received, formatBitrate),
            rtt: or(latest.rtt, formatMs),
          })
        : t('quality.graphEmpty'),
    );
  }

  function renderIndicator(): void {
    ui.qualityIndicator.textContent = inCall ? indicatorWords(current) : '';
    if (inCall && current?.rating) ui.qualityIndicator.dataset.rating = current.rating;
    else delete ui.qualityIndicator.dataset.rating;
  }

  function render(): void {
    renderIndicator();
    // A closed panel costs nothing: it is filled and drawn when it opens.
    if (!open()) return;
    renderValues();
    graph.draw();
  }

  toggle.addEventListener('click', () => {
    details.hidden = open();
    toggle.setAttribute('aria-expanded', String(open()));
    render();
  });
  onLanguageChange(() => {
    renderLabels();
    render();
  });
  renderLabels();
  render();

  return {
    show(quality) {
      inCall = true;
      if (quality) current = quality;
      graph.push({
        sent: quality?.sent.bitrate ?? null,
        received: quality?.received.bitrate ?? null,
        rtt: quality?.rtt ?? null,
      });
      render();
    },
    clear() {
      inCall = false;
      current = null;
      graph.clear();
      render();
    },
  };
}
