/**
 * Helpers for the chat tests: the chat panel by its accessible names, the messages its log
 * shows, the raw data channels a page made (to send what a hostile peer would), and a caller
 * that runs the tutorial's plain page (no data channel).
 */
import { expect, type Page } from '@playwright/test';
import { Events } from '../../../common/protocol.js';

declare global {
  interface Window {
    /** Every data channel the page created or was given, captured by {@link captureChannels}. */
    __appelTestChannels?: RTCDataChannel[];
  }
}

/** One message as the log shows it. */
export interface ShownMessage {
  sender: string;
  /** The clock time written next to the name. */
  time: string;
  /** The `datetime` of that time: when this page stamped the message. */
  stamped: string;
  text: string;
}

/** The panel's parts, found as a user (or a screen reader) finds them. */
export function chat(page: Page) {
  return {
    toggle: page.locator('#chat-panel').getByRole('button', { name: /^Chat\b/ }),
    log: page.getByRole('log', { name: 'Chat messages' }),
    input: page.getByRole('textbox', { name: 'Message' }),
    send: page.getByRole('button', { name: 'Send', exact: true }),
    state: page.locator('#chat-state'),
    /** The refusals and errors under the field (a polite live region). */
    notice: page.locator('#chat-notice[role="status"]'),
  };
}

/** Types `text` in the message field and presses Enter. */
export async function sendChat(page: Page, text: string): Promise<void> {
  const { input } = chat(page);
  await input.fill(text);
  await input.press('Enter');
}

/** The messages in the page's chat log, in order. */
export function shownMessages(page: Page): Promise<ShownMessage[]> {
  return chat(page)
    .log.locator('.chat-message')
    .evaluateAll((items) =>
      items.map((item) => ({
        sender: item.querySelector('.chat-sender')?.textContent ?? '',
        time: item.querySelector('time')?.textContent ?? '',
        stamped: item.querySelector('time')?.getAttribute('datetime') ?? '',
        text: item.querySelector('.chat-text')?.textContent ?? '',
      })),
    );
}

/** Waits until the page's last message is `text` from `sender`, and returns it. */
export async function lastMessage(page: Page, sender: string, text: string): Promise<ShownMessage> {
  await expect
    .poll(async () => (await shownMessages(page)).at(-1), {
      message: `${sender}'s "${text}" shows`,
    })
    .toMatchObject({ sender, text });
  return (await shownMessages(page)).at(-1)!;
}

/** Init script: records every data channel the page makes or receives. */
export function captureChannels(): void {
  const channels: RTCDataChannel[] = [];
  window.__appelTestChannels = channels;
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      this.addEventListener('datachannel', ({ channel }) => channels.push(channel));
    }

    override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
      const channel = super.createDataChannel(label, init);
      channels.push(channel);
      return channel;
    }
  };
}

/** Sends raw frames on the page's open chat channel, as a peer running other code could. */
export function sendRawFrames(page: Page, label: string, frames: string[]): Promise<void> {
  return page.evaluate(
    ({ label, frames }) => {
      const channel = window.__appelTestChannels?.findLast(
        (each) => each.label === label && each.readyState === 'open',
      );
      if (!channel) throw new Error(`no open ${label} channel`);
      for (const frame of frames) channel.send(frame);
      // Binary: the chat speaks text only.
      channel.send(new Uint8Array([123, 125]));
    },
    { label, frames },
  );
}

/**
 * Calls the room member named `callee` from the tutorial's own kind of page: socket.io's client
 * script and a plain RTCPeerConnection, receive-only, no room and no data channel. `page` must be
 * on the signaling server's origin.
 */
export async function tutorialCalls(page: Page, callee: string): Promise<void> {
  await page.addScriptTag({ url: '/socket.io/socket.io.js' });
  await page.evaluate(
    async ({ callee, peerList }) => {
      type TutorialSocket = {
        once(event: string, listener: (payload: never) => void): void;
        on(event: string, listener: (payload: never) => void): void;
        emit(event: string, payload: unknown): void;
        disconnect(): void;
      };
      const io = (window as unknown as { io: (options?: object) => TutorialSocket }).io;
      // The tutorial's user learns the callee's id out of band; here, from a room member's list
      // (the tutorial's own socket hears no presence).
      const directory = io({ auth: { name: 'Directory' }, forceNew: true });
      const to = await new Promise<string>((resolve, reject) =>
        directory.once(peerList, ({ peers }: { peers: { id: string; name: string }[] }) => {
          const found = peers.find((peer) => peer.name === callee);
          if (found) resolve(found.id);
          else reject(new Error(`nobody named ${callee} here`));
        }),
      );
      directory.disconnect();
      const socket = io();
      const pc = new RTCPeerConnection();
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
      pc.onicecandidate = ({ candidate }) => {
        if (candidate) socket.emit('candidate', { candidate, to });
      };
      socket.on('answer', ({ answer }: { answer: RTCSessionDescriptionInit }) => {
        void pc.setRemoteDescription(answer);
      });
      socket.on('candidate', ({ candidate }: { candidate: RTCIceCandidateInit }) => {
        void pc.addIceCandidate(candidate);
      });
      await pc.setLocalDescription(await pc.createOffer());
      socket.emit('offer', { offer: pc.localDescription, to });
    },
    { callee, peerList: Events.peerList },
  );
}
