/**
 * The files panel: "Send a file", the drop zone (the whole call area takes drops), and one row
 * per transfer with its state, progress, speed and time left, and the buttons that fit its
 * phase. Rows keep their elements, so focus stays put while progress updates.
 */
import './files.css';
import { element } from './dom.js';
import { isFinished, stateWords, type TransferState } from './file-status.js';
import { formatDuration, formatSize, formatSpeed, t, type StringKey } from './i18n.js';

/** Whether files can be sent now. */
export type Availability = 'no-call' | 'connecting' | 'ready' | 'unavailable';

export interface FileActions {
  send(files: File[]): void;
  accept(id: string): void;
  decline(id: string): void;
  cancel(id: string): void;
  dismiss(id: string): void;
}

/** Progress repaints at most this often per row. */
const PROGRESS_INTERVAL_MS = 250;

interface Row {
  transfer: TransferState;
  item: HTMLLIElement;
  name: HTMLElement;
  meta: HTMLElement;
  state: HTMLElement;
  warning: HTMLElement;
  progress: HTMLProgressElement;
  rate: HTMLElement;
  accept: HTMLButtonElement;
  decline: HTMLButtonElement;
  cancel: HTMLButtonElement;
  save: HTMLAnchorElement;
  dismiss: HTMLButtonElement;
  repaint: ReturnType<typeof setTimeout> | undefined;
}

function button(className: string, onClick: () => void): HTMLButtonElement {
  const created = element('button', className);
  created.type = 'button';
  created.addEventListener('click', onClick);
  return created;
}

export class FilesView {
  private readonly rows = new Map<string, Row>();
  private readonly heading = element('h2', 'files-heading');
  private readonly input = element('input', 'files-input');
  private readonly sendLabel = element('label', 'files-send');
  private readonly dropText = element('span', 'hint files-drop-text');
  private readonly zone = element('div', 'files-drop');
  private readonly status = element('p', 'hint files-status');
  private readonly list = element('ul', 'files-list');
  private availability: Availability = 'no-call';
  private peerName = '';
  private dragDepth = 0;

  constructor(
    panel: HTMLElement,
    /** Where files may be dropped: the whole call area. */
    dropArea: HTMLElement,
    private readonly actions: FileActions,
  ) {
    this.input.type = 'file';
    this.input.multiple = true;
    this.input.id = 'files-input';
    this.sendLabel.htmlFor = this.input.id;
    this.input.addEventListener('change', () => {
      const files = [...(this.input.files ?? [])];
      // Cleared so that picking the same file again is a change too.
      this.input.value = '';
      if (files.length > 0) actions.send(files);
    });
    this.zone.append(this.input, this.sendLabel, this.dropText);
    panel.replaceChildren(this.heading, this.zone, this.status, this.list);
    this.listenForDrops(dropArea);
    this.render();
  }

  setAvailability(availability: Availability, peerName: string): void {
    this.availability = availability;
    this.peerName = peerName;
    this.renderControls();
  }

  /** Adds or repaints a transfer's row at once (its phase changed). */
  show(transfer: TransferState): void {
    const row = this.rows.get(transfer.id) ?? this.addRow(transfer);
    clearTimeout(row.repaint);
    row.repaint = undefined;
    this.paint(row);
  }

  /** Repaints a transfer's progress soon (bytes arrive far more often than the eye needs). */
  showProgress(transfer: TransferState): void {
    const row = this.rows.get(transfer.id);
    if (!row || row.repaint !== undefined) return;
    row.repaint = setTimeout(() => {
      row.repaint = undefined;
      this.paint(row);
    }, PROGRESS_INTERVAL_MS);
  }

  remove(id: string): void {
    const row = this.rows.get(id);
    if (!row) return;
    clearTimeout(row.repaint);
    row.item.remove();
    this.rows.delete(id);
  }

  /** Every text again, in the current language. */
  render(): void {
    this.heading.textContent = t('files.heading');
    this.sendLabel.textContent = t('files.send');
    this.list.setAttribute('aria-label', t('files.list'));
    this.renderControls();
    for (const row of this.rows.values()) this.paint(row);
  }

  private renderControls(): void {
    const ready = this.availability === 'ready';
    this.input.disabled = !ready;
    const dropping = this.dragDepth > 0;
    this.zone.classList.toggle('dropping', dropping && ready);
    this.dropText.textContent =
      dropping && ready ? t('files.dropNow', { name: this.peerName }) : t('files.dropHint');
    const words: Record<Availability, string> = {
      'no-call': t('files.noCall'),
      connecting: t('files.connecting'),
      ready: '',
      unavailable: t('files.unavailable'),
    };
    this.status.textContent = words[this.availability];
    this.status.hidden = ready;
  }

  private listenForDrops(area: HTMLElement): void {
    const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
    area.addEventListener('dragenter', (event) => {
      if (!carriesFiles(event)) return;
      this.dragDepth += 1;
      this.renderControls();
    });
    area.addEventListener('dragover', (event) => {
      if (!carriesFiles(event)) return;
      // Taken even when unavailable: a file dropped on the page must never open in its place.
      event.preventDefault();
      event.dataTransfer!.dropEffect = this.availability === 'ready' ? 'copy' : 'none';
    });
    area.addEventListener('dragleave', (event) => {
      if (!carriesFiles(event)) return;
      this.dragDepth = Math.max(0, this.dragDepth - 1);
      this.renderControls();
    });
    area.addEventListener('drop', (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      this.dragDepth = 0;
      this.renderControls();
      const files = [...(event.dataTransfer?.files ?? [])];
      if (this.availability === 'ready' && files.length > 0) this.actions.send(files);
    });
  }

  private addRow(transfer: TransferState): Row {
    const { id } = transfer;
    const row: Row = {
      transfer,
      item: element('li', 'files-row'),
      name: element('strong', 'files-name'),
      meta: element('span', 'hint files-meta'),
      state: element('p', 'files-state'),
      warning: element('p', 'warning files-warning'),
      progress: element('progress', 'files-progress'),
      rate: element('p', 'hint files-rate'),
      accept: button('primary', () => this.actions.accept(id)),
      decline: button('', () => this.actions.decline(id)),
      cancel: button('', () => this.actions.cancel(id)),
      save: element('a', 'files-save'),
      dismiss: button('', () => this.actions.dismiss(id)),
      repaint: undefined,
    };
    const head = element('div', 'files-head');
    head.append(row.name, row.meta);
    const buttons = element('div', 'files-actions');
    buttons.append(row.accept, row.decline, row.cancel, row.save, row.dismiss);
    row.item.append(head, row.state, row.warning, row.progress, row.rate, buttons);
    this.list.prepend(row.item);
    this.rows.set(id, row);
    return row;
  }

  private paint(row: Row): void {
    const transfer = row.transfer;
    const { phase, name } = transfer;
    const incoming = transfer.direction === 'in';
    row.item.dataset.phase = phase;
    row.name.textContent = name;
    row.meta.textContent = t(incoming ? 'files.fromPeer' : 'files.toPeer', {
      size: formatSize(transfer.size),
      name: transfer.peerName,
    });
    row.state.textContent = stateWords(transfer);
    row.warning.textContent = t('files.memoryWarning');
    row.warning.hidden = !(transfer.memoryWarning && phase === 'offered');

    // A transfer that stopped part way keeps its bar: it shows how far it got.
    const moving = ['active', 'checking', 'done'].includes(phase);
    row.progress.hidden = !moving && !(isFinished(phase) && transfer.bytes > 0);
    row.progress.max = Math.max(1, transfer.size);
    row.progress.value = transfer.size === 0 && phase === 'done' ? 1 : transfer.bytes;
    row.progress.setAttribute('aria-label', t('files.progress', { file: name }));
    row.rate.textContent = phase === 'active' ? this.rateWords(transfer) : '';
    row.rate.hidden = row.rate.textContent === '';

    const finished = isFinished(phase);
    const offeredToMe = incoming && phase === 'offered';
    this.label(row.accept, 'files.accept', 'files.acceptFile', name, !offeredToMe);
    this.label(row.decline, 'files.decline', 'files.declineFile', name, !offeredToMe);
    // Once every byte is across there is nothing left to stop: the file is being checked.
    const cancellable = !finished && !offeredToMe && phase !== 'checking';
    this.label(row.cancel, 'files.cancel', 'files.cancelFile', name, !cancellable);
    this.label(row.dismiss, 'files.dismiss', 'files.dismissFile', name, !finished);
    const download = transfer.kept?.kind === 'download' ? transfer.kept : null;
    row.save.hidden = download === null;
    if (download && row.save.href !== download.url) {
      row.save.href = download.url;
      row.save.download = name;
    }
    this.label(row.save, 'files.save', 'files.saveFile', name, download === null);
  }

  private label(
    control: HTMLElement,
    text: StringKey,
    accessibleName: StringKey,
    file: string,
    hidden: boolean,
  ): void {
    control.textContent = t(text);
    control.setAttribute('aria-label', t(accessibleName, { file }));
    control.hidden = hidden;
  }

  private rateWords(transfer: TransferState): string {
    const speed = transfer.meter.speed();
    const left = transfer.meter.secondsLeft(transfer.size);
    if (speed === null || left === null) return '';
    return t('files.rate', { speed: formatSpeed(speed), time: formatDuration(left) });
  }
}
