/**
 * The call page: the setup screen, then the room (who is here, by name) and the call, wired to a
 * {@link SignalingBridge} and the {@link CallEngine}. Each part lives in its own module.
 */
import type { PeerInfo, PeerId } from '../../common/protocol.js';
import type { SessionInfo, SignalingBridge } from '../../common/bridge-api.js';
import { CallEngine } from './call-engine.js';
import { callView } from './call-view.js';
import { chatFeature } from './chat.js';
import { devicesFeature } from './devices.js';
import { pageElements, showAlert } from './dom.js';
import type { CallContext, Feature } from './feature.js';
import { fileTransferFeature } from './file-transfer.js';
import { onLanguageChange, showText, t } from './i18n.js';
import { iceSettingsView } from './ice-settings.js';
import { Marks } from './marks.js';
import { MediaHolder } from './media.js';
import { qualityFeature } from './quality.js';
import { screenShareFeature } from './screen-share.js';
import { settingsFeature } from './settings.js';
import { setupView } from './setup-view.js';
import { keyboardShortcuts } from './shortcuts.js';
import { callWords, errorSentence, phaseWords } from './words.js';

/** Starts the page on a bridge. */
export function startApp(bridge: SignalingBridge): void {
  const ui = pageElements();
  /** Everyone in the room, and people who left but are still named in the call's words. */
  const names = new Map<PeerId, string>();
  const present = new Set<PeerId>();
  let self: PeerInfo | null = null;

  const nameOf = (peer: PeerId): string => names.get(peer) ?? t('core.someone');
  // The alert and the notice keep how to say their last words, to say them again in a new
  // language; words from elsewhere (the engine, a feature) are kept as they came.
  const fail = showAlert;
  const showError = (message: string): void => fail(() => message);
  const clearError = (): void => {
    ui.alert.hidden = true;
    showText(ui.alert, () => '');
  };
  const say = (words: () => string): void => showText(ui.notice, words);
  const announce = (message: string): void => say(() => message);

  const view = callView(ui, () => engine, nameOf, fail);
  const media = new MediaHolder(view.showLocal);
  /** The parts of the call beyond the videos; each hears every call state and data channel. */
  const features: Feature[] = [];
  const engine = new CallEngine({
    bridge,
    localMedia: () => media.acquire(),
    releaseMedia: () => media.release(),
    nameOf,
    iceServers: [],
    onState: (state) => {
      view.showCall(state);
      if (state.phase === 'failed' && state.reason) fail(() => callWords(state, nameOf));
      for (const feature of features) feature.onCallState?.(state);
    },
    onRemoteStream: view.showRemote,
    onError: showError,
    onChannel: (channel, peer) => {
      for (const feature of features) feature.onChannel?.(channel, peer);
    },
  });

  const context: CallContext = {
    ui,
    bridge,
    engine,
    media,
    nameOf,
    selfName: () => self?.name ?? '',
    announce,
    showError,
  };
  const share = screenShareFeature(context);
  features.push(
    settingsFeature(context),
    devicesFeature(context),
    share,
    chatFeature(context),
    fileTransferFeature(context),
    qualityFeature(context),
    keyboardShortcuts(context),
  );
  // A new camera or microphone is sent at once, except the camera while a screen is shared.
  media.onTrackChange((kind, track) => {
    if (kind === 'video' && share.active) return;
    engine.replaceTrack(kind, track).catch((error: unknown) =>
      fail(() =>
        t(kind === 'audio' ? 'core.switchAudioFailed' : 'core.switchVideoFailed', {
          reason: errorSentence(error),
        }),
      ),
    );
  });

  // The user's own STUN/TURN servers and relay-only, applied to the engine from the start.
  const iceSettings = iceSettingsView(ui, engine);

  // The room ----------------------------------------------------------------------------------

  function call(peer: PeerId): void {
    performance.mark(Marks.callClick);
    clearError();
    try {
      engine.call(peer);
    } catch (error) {
      fail(() => errorSentence(error));
    }
  }

  function renderPeers(): void {
    const people = [...present]
      .map((id) => ({ id, name: nameOf(id) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const items = people.map(({ id, name }) => {
      const item = document.createElement('li');
      const label = document.createElement('span');
      label.textContent = name;
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = t('core.callButton');
      button.setAttribute('aria-label', t('core.callPerson', { name }));
      button.addEventListener('click', () => call(id));
      item.append(label, button);
      return item;
    });
    ui.peerList.replaceChildren(...items);
    ui.noPeers.hidden = items.length > 0;
  }
  onLanguageChange(renderPeers);

  function setSelf(info: PeerInfo | null): void {
    self = info;
    engine.setSelfId(info?.id ?? null);
    ui.selfName.textContent = info?.name ?? '';
  }

  bridge.onPeerList(({ self: me, peers, iceServers }) => {
    // The latest welcome's servers: its TURN credentials are the freshest.
    iceSettings.setServerIceServers(iceServers ?? []);
    setSelf(me);
    present.clear();
    for (const peer of peers) {
      names.set(peer.id, peer.name);
      present.add(peer.id);
    }
    renderPeers();
  });
  bridge.onPeerJoined(({ id, name }) => {
    if (id === self?.id) return;
    names.set(id, name);
    present.add(id);
    renderPeers();
  });
  bridge.onPeerLeft(({ id }) => {
    present.delete(id);
    renderPeers();
  });

  bridge.onConnectionStatus((status) => {
    if (status.self && status.self.id !== self?.id && !ui.session.hidden) setSelf(status.self);
    showText(ui.signalingStatus, () => phaseWords(status));
    ui.signalingStatus.dataset.phase = status.phase;
    const detail = status.detail;
    if (status.phase === 'closed' && detail && !ui.session.hidden) {
      fail(() => t('core.disconnectedFromServer', { detail }));
    }
  });
  showText(ui.signalingStatus, () => phaseWords({ phase: 'idle' }));

  // An address came or went: restart ICE now rather than wait for the checks to time out.
  bridge.onNetworkChange(() => engine.restartIceNow());

  // The session -------------------------------------------------------------------------------

  function enterSession(info: SessionInfo): void {
    announce(info.notice ?? '');
    setSelf(info.self);
    ui.setup.hidden = true;
    ui.session.hidden = false;
    ui.invitePanel.hidden = !info.host;
    if (info.host) {
      ui.inviteText.value = info.host.invite;
      // The public URL (the router forwards its port) first, then the LAN ones.
      const urls = info.host.publicUrl ? [info.host.publicUrl, ...info.host.urls] : info.host.urls;
      ui.hostUrls.textContent = urls.join('\n');
      ui.hostFingerprint.textContent = info.host.fingerprint;
    }
  }

  async function leave(): Promise<void> {
    engine.hangUp();
    // Nothing of the camera or microphone stays open after leaving.
    media.release();
    try {
      await bridge.leave();
    } catch (error) {
      fail(() => t('core.leaveFailed', { reason: errorSentence(error) }));
    }
    setSelf(null);
    present.clear();
    renderPeers();
    ui.session.hidden = true;
    ui.setup.hidden = false;
  }
  ui.leaveButton.addEventListener('click', () => void leave());

  async function copyInvite(): Promise<void> {
    try {
      await navigator.clipboard.writeText(ui.inviteText.value);
      say(() => t('core.copiedInvite'));
    } catch (error) {
      fail(() => t('core.copyInviteFailed', { reason: errorSentence(error) }));
    }
  }
  ui.copyInvite.addEventListener('click', () => void copyInvite());
  ui.newInvite.addEventListener('click', () => {
    bridge
      .newInvite()
      .then((host) => {
        ui.inviteText.value = host.invite;
        say(() => t('core.newInviteReady'));
      })
      .catch((error: unknown) =>
        fail(() => t('core.newInviteFailed', { reason: errorSentence(error) })),
      );
  });

  setupView(ui, bridge, { onSession: enterSession, showError: fail, clearError, announce: say });
  view.showCall({ phase: 'idle', peer: null });
}
