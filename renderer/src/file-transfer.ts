/**
 * File transfer over the call's data channels (the protocol: file-protocol.ts). The sender
 * offers, the receiver accepts or declines, and only then do bytes flow, one file at a time on
 * a channel of its own; either side may cancel, which stops both. The receiver keeps the file
 * only if its SHA-256 matches the sender's. This module ties the call to the transfers: the
 * control channel, its messages, and whether files can be sent at all.
 */
import type { PeerId } from '../../common/protocol.js';
import { CALL_CHANNELS, type CallState } from './call-engine.js';
import type { CallContext, Feature } from './feature.js';
import { Incoming } from './file-incoming.js';
import { Outgoing } from './file-outgoing.js';
import { parseControl, transferIdOf, type ControlMessage } from './file-protocol.js';
import { TransferList } from './file-state.js';
import { isFinished, type EndReason } from './file-status.js';
import { FilesView, type Availability } from './file-view.js';
import { onLanguageChange } from './i18n.js';

/**
 * A callee learns of the call's channels shortly after it connects. Still none this long after:
 * the caller makes none (the tutorial's page), and files cannot be sent in this call.
 */
const CHANNELS_EXPECTED_WITHIN_MS = 5000;

/** The phases of a call that has (or will have) a peer connection. */
const CALL_PHASES: ReadonlySet<CallState['phase']> = new Set([
  'calling',
  'ringing',
  'connecting',
  'in-call',
  'reconnecting',
]);

export function fileTransferFeature(ctx: CallContext): Feature {
  let peer: PeerId | null = null;
  let withoutChannels = false;
  let channelsTimer: ReturnType<typeof setTimeout> | undefined;

  const view = new FilesView(ctx.ui.filesPanel, ctx.ui.session, {
    send: (files) => {
      if (peer && list.ready) outgoing.offer(files, peer);
    },
    accept: (id) => incoming.accept(id),
    decline: (id) => incoming.decline(id),
    cancel,
    dismiss: (id) => list.dismiss(id),
  });
  const list = new TransferList(ctx, view);
  const outgoing = new Outgoing(list, ctx.engine);
  const incoming = new Incoming(list, ctx);
  onLanguageChange(() => view.render());

  function refresh(): void {
    let availability: Availability = 'no-call';
    if (list.ready) availability = 'ready';
    else if (peer && withoutChannels) availability = 'unavailable';
    else if (peer) availability = 'connecting';
    view.setAvailability(availability, peer ? ctx.nameOf(peer) : '');
  }

  /** Stops a transfer on this side and tells the other side to stop too. */
  function cancel(id: string): void {
    const transfer = list.get(id);
    // A file being checked has nothing left to stop.
    if (!transfer || isFinished(transfer.phase) || transfer.phase === 'checking') return;
    if (transfer.direction === 'in' && transfer.phase === 'offered') {
      incoming.decline(id);
      return;
    }
    list.sendControl({ type: 'cancel', id, failed: false });
    list.finish(transfer, 'cancelled', 'you');
  }

  function onControl(message: ControlMessage | null, from: PeerId): void {
    if (!message || from !== peer) return;
    if (message.type === 'offer') {
      incoming.offered(message.id, message.name, message.size, from);
      return;
    }
    const transfer = list.get(message.id);
    if (!transfer || transfer.peer !== from || isFinished(transfer.phase)) return;
    if (message.type === 'cancel') {
      const [phase, reason] = message.failed
        ? (['failed', 'peer-failed'] as const)
        : (['cancelled', 'peer'] as const);
      list.finish(transfer, phase, reason, undefined, true);
      return;
    }
    // The rest answers what this side offered.
    if (transfer.direction !== 'out') return;
    if (message.type === 'accept') outgoing.accepted(transfer);
    else if (message.type === 'decline') outgoing.declined(transfer);
    else outgoing.checked(transfer, message.ok);
  }

  /** The call (or its control channel) is gone: what was under way stops. */
  function endTransfers(reason: EndReason): void {
    list.control = null;
    for (const transfer of list.all()) {
      // A received file being kept was checked intact already: it is kept.
      if (transfer.direction === 'in' && transfer.phase === 'checking') continue;
      list.finish(transfer, 'failed', reason);
    }
  }

  function onCallState(state: CallState): void {
    clearTimeout(channelsTimer);
    if (!CALL_PHASES.has(state.phase)) {
      if (peer) endTransfers('call-ended');
      peer = null;
      withoutChannels = false;
    } else {
      peer = state.peer;
      if (state.phase === 'in-call' && !list.control) {
        channelsTimer = setTimeout(() => {
          withoutChannels = list.control === null;
          refresh();
        }, CHANNELS_EXPECTED_WITHIN_MS);
      }
    }
    refresh();
  }

  function onChannel(channel: RTCDataChannel, from: PeerId): void {
    if (channel.label === CALL_CHANNELS.files) {
      list.control = channel;
      withoutChannels = false;
      channel.addEventListener('open', refresh);
      channel.addEventListener('message', ({ data }: MessageEvent<unknown>) =>
        onControl(parseControl(data), from),
      );
      channel.addEventListener('close', () => {
        if (list.control !== channel) return;
        endTransfers('interrupted');
        refresh();
      });
      refresh();
      return;
    }
    const id = transferIdOf(channel.label);
    if (id === null) return;
    const transfer = list.get(id);
    // A file channel nobody accepted (unknown id, another peer, not yet accepted) is refused.
    if (incoming.expects(transfer, from)) incoming.receive(transfer, channel);
    else channel.close();
  }

  return { onCallState, onChannel };
}
