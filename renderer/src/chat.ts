/**
 * Chat over the call's data channel ({@link CALL_CHANNELS}.chat, ordered and reliable, made by
 * the caller with the first offer): plain-text messages with the sender's name and the time,
 * links that open in the system browser only when clicked, and an unread count. Messages live
 * in memory for as long as the call does, through ICE restarts; the call's end clears them.
 * A message that cannot go out now is refused in words and stays in the field.
 */
import { errorWords } from '../../common/errors.js';
import type { PeerId } from '../../common/protocol.js';
import { CALL_CHANNELS, type CallPhase } from './call-engine.js';
import { checkDraft, decodeMessage, encodeMessage, MAX_MESSAGE_CHARS } from './chat-message.js';
import { ChatView } from './chat-view.js';
import type { CallContext, Feature } from './feature.js';
import { t, type StringKey } from './i18n.js';

/** Phases of a call under way: its chat is connecting, open, or missing. */
const UNDER_WAY: ReadonlySet<CallPhase> = new Set([
  'calling',
  'ringing',
  'connecting',
  'in-call',
  'reconnecting',
]);
/** Phases that end a call, and with it its chat. */
const OVER: ReadonlySet<CallPhase> = new Set(['ended', 'failed', 'idle']);

type ChatState = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'unavailable' | 'closed';
/** The states in which a message goes out (while reconnecting, the channel holds it). */
type SendingState = 'ready' | 'reconnecting';

const STATE_WORDS: Record<ChatState, StringKey> = {
  idle: 'chat.stateIdle',
  connecting: 'chat.stateConnecting',
  ready: 'chat.stateReady',
  reconnecting: 'chat.stateReconnecting',
  unavailable: 'chat.stateUnavailable',
  closed: 'chat.stateClosed',
};

const REFUSALS: Record<Exclude<ChatState, SendingState>, StringKey> = {
  idle: 'chat.refusedIdle',
  connecting: 'chat.refusedConnecting',
  unavailable: 'chat.refusedUnavailable',
  closed: 'chat.refusedClosed',
};

export function chatFeature(ctx: CallContext): Feature {
  let phase: CallPhase = 'idle';
  let peer: PeerId | null = null;
  let channel: RTCDataChannel | null = null;
  let unread = 0;

  const view = new ChatView(ctx.ui.chatPanel, {
    onSend: send,
    onDraft: checkLength,
    onOpenLink: openLink,
    onAttention: markRead,
  });

  function state(): ChatState {
    if (!UNDER_WAY.has(phase)) return 'idle';
    switch (channel?.readyState) {
      case 'open':
        return phase === 'reconnecting' ? 'reconnecting' : 'ready';
      case 'closing':
      case 'closed':
        return 'closed';
      default:
        // The callee learns of the channel a moment after the call connects, unless there is none.
        return phase === 'in-call' && ctx.engine.carriesData === false
          ? 'unavailable'
          : 'connecting';
    }
  }

  function showState(): void {
    view.showState(STATE_WORDS[state()], { name: peer ? ctx.nameOf(peer) : '' });
  }

  /** Drops a refusal that no longer holds (the call started, the chat opened, the call ended). */
  function dropRefusal(): void {
    if (view.noticeKey !== 'chat.tooLong') view.showNotice(null);
  }

  function send(draft: string): void {
    const check = checkDraft(draft);
    if (!check.ok) {
      // A blank draft is simply not sent.
      if (check.reason === 'too-long') {
        view.showNotice('chat.tooLong', { length: check.length, max: MAX_MESSAGE_CHARS });
      }
      return;
    }
    const current = state();
    if (current !== 'ready' && current !== 'reconnecting') {
      view.showNotice(REFUSALS[current]);
      return;
    }
    try {
      // These states mean an open channel.
      channel!.send(encodeMessage(check.text));
    } catch (error) {
      view.showNotice('chat.sendFailed', { reason: errorWords(error) });
      return;
    }
    view.add({ sender: ctx.selfName(), text: check.text, at: new Date(), own: true });
    view.clearDraft();
    view.showNotice(null);
  }

  function checkLength(draft: string): void {
    const check = checkDraft(draft);
    if (!check.ok && check.reason === 'too-long') {
      view.showNotice('chat.tooLong', { length: check.length, max: MAX_MESSAGE_CHARS });
    } else if (view.noticeKey === 'chat.tooLong') {
      view.showNotice(null);
    }
  }

  function openLink(url: string): void {
    ctx.bridge
      .openExternal(url)
      .catch((error: unknown) => view.showNotice('chat.linkFailed', { reason: errorWords(error) }));
  }

  function markRead(): void {
    if (unread === 0 || !view.reading) return;
    unread = 0;
    view.setUnread(0);
  }

  function receive(from: PeerId, data: unknown): void {
    const decoded = decodeMessage(data);
    if (!decoded.ok) {
      console.warn(`appel:chat ignored a message from ${from}: ${decoded.reason}`);
      return;
    }
    const name = ctx.nameOf(from);
    view.add({ sender: name, text: decoded.text, at: new Date(), own: false });
    if (view.reading) return;
    unread += 1;
    view.setUnread(unread);
    // A closed panel hides the log and its live region: say that something came.
    if (!view.expanded) ctx.announce(t('chat.newMessage', { name }));
  }

  function attach(next: RTCDataChannel, from: PeerId): void {
    detach();
    channel = next;
    peer = from;
    next.onopen = () => {
      dropRefusal();
      showState();
    };
    next.onclose = showState;
    next.onerror = ({ error }) => console.warn('appel:chat channel error', error);
    next.onmessage = ({ data }: MessageEvent<unknown>) => receive(from, data);
    showState();
  }

  function detach(): void {
    if (!channel) return;
    channel.onopen = null;
    channel.onclose = null;
    channel.onerror = null;
    channel.onmessage = null;
    channel = null;
  }

  return {
    onCallState(next) {
      const starting = !UNDER_WAY.has(phase) && UNDER_WAY.has(next.phase);
      phase = next.phase;
      if (next.peer) peer = next.peer;
      if (OVER.has(next.phase)) {
        // Nothing of the call's chat outlives it.
        detach();
        view.clear();
        unread = 0;
        view.setUnread(0);
        dropRefusal();
      } else if (starting) {
        dropRefusal();
      }
      showState();
    },
    onChannel(next, from) {
      if (next.label === CALL_CHANNELS.chat) attach(next, from);
    },
  };
}
