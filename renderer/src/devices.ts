/**
 * Camera, microphone and speaker choice, before and during a call. The choice is remembered
 * (device-memory.ts) and opened by the next call (media.ts); a switch during a call replaces
 * the sent track without renegotiation (device-switch.ts). Plugged and unplugged devices update
 * the lists; when the device in use disappears, the default takes over and the user is told.
 */
import './devices.css';
import {
  CAPTURE_KINDS,
  TRACK_KIND,
  isGone,
  type CaptureKind,
  type DeviceChoice,
  type DeviceKind,
  type ListedDevice,
} from './device-choice.js';
import { chooseDevice, chosenDevice } from './device-memory.js';
import type { DeviceListsState } from './device-selects.js';
import { DeviceCallPanel } from './device-call-panel.js';
import { DeviceSetupPanel } from './device-setup.js';
import { switchDevice } from './device-switch.js';
import { KIND_WORDS } from './device-words.js';
import type { CallContext, Feature } from './feature.js';
import { onLanguageChange, t } from './i18n.js';
import { mediaErrorWords } from './media.js';

/** Whether the page can choose where the call's sound plays (Chromium, Firefox). */
const SPEAKER_CHOICE = typeof HTMLMediaElement.prototype.setSinkId === 'function';

export function devicesFeature(ctx: CallContext): Feature {
  // Without https there are no devices to choose; media.ts tells the user why.
  const mediaDevices: MediaDevices | undefined = navigator.mediaDevices;
  return mediaDevices ? deviceChoice(ctx, mediaDevices) : {};
}

function deviceChoice(ctx: CallContext, mediaDevices: MediaDevices): Feature {
  const { ui, media } = ctx;

  let devices: ListedDevice[] = [];
  /** Switches and fallbacks run one at a time, so two never race for the same sender. */
  let queue = Promise.resolve();
  const enqueue = (task: () => Promise<void>): void => {
    queue = queue.then(task).catch((error: unknown) => console.warn('appel:devices', error));
  };

  const setup = new DeviceSetupPanel(ui.deviceSetup, choose, refresh);
  const inCall = new DeviceCallPanel(ui.deviceControls, choose);

  function render(): void {
    const state = (inUse: DeviceListsState['inUse']): DeviceListsState => ({
      devices,
      chosen: chosenDevice,
      inUse,
      speakerChoice: SPEAKER_CHOICE,
    });
    const sink = (): string | null => (SPEAKER_CHOICE ? ui.remoteVideo.sinkId : null);
    setup.selects.render(
      state((kind) => (kind === 'audiooutput' ? sink() : idOf(setup.preview.track(kind)))),
    );
    inCall.selects.render(
      state((kind) => (kind === 'audiooutput' ? sink() : idOf(media.track(TRACK_KIND[kind])))),
    );
  }

  /** Reads the device list again (labels appear once the user grants access), then reacts. */
  function refresh(): void {
    enqueue(async () => {
      devices = await mediaDevices.enumerateDevices();
      render();
      await fallBackFromGone();
      await applySpeaker(false);
      render();
    });
  }

  function choose(kind: DeviceKind, choice: DeviceChoice): void {
    chooseDevice(kind, choice);
    inCall.setNotice(() => '');
    setup.setStatus(() => '');
    enqueue(async () => {
      if (kind === 'audiooutput') await applySpeaker(true);
      else await use(kind, choice);
      render();
    });
  }

  /** Puts the chosen camera or microphone in the preview and in the call, where open. */
  async function use(kind: CaptureKind, choice: DeviceChoice): Promise<void> {
    const failed = (error: unknown) => () =>
      t('devices.switchFailed', {
        device: choice.label,
        reason: mediaErrorWords(error, KIND_WORDS[kind]),
      });
    if (setup.preview.isOpen) {
      await setup.preview
        .use(kind, choice.deviceId)
        .catch((error: unknown) => setup.setStatus(failed(error)));
    }
    try {
      if (await switchDevice(media, kind, choice.deviceId)) {
        ctx.announce(t('devices.using', { device: choice.label }));
      }
    } catch (error) {
      ctx.showError(failed(error)());
    }
  }

  /** The camera or microphone in use was unplugged: the default takes over, and we say so. */
  async function fallBackFromGone(): Promise<void> {
    for (const kind of CAPTURE_KINDS) {
      const inPreview = setup.preview.track(kind);
      if (inPreview && vanished(kind, inPreview)) {
        const notice = goneNotice(kind, inPreview.label);
        await setup.preview.use(kind, null).catch((error: unknown) => {
          console.warn('appel:devices preview fallback', error);
        });
        setup.setStatus(notice);
      }
      const sent = media.track(TRACK_KIND[kind]);
      if (!sent || !vanished(kind, sent)) continue;
      const notice = goneNotice(kind, sent.label);
      try {
        await switchDevice(media, kind, null);
        inCall.setNotice(notice);
        ctx.announce(notice());
      } catch (error) {
        ctx.showError(
          t('devices.switchFailed', {
            device: t(KIND_WORDS[kind].label),
            reason: mediaErrorWords(error, KIND_WORDS[kind]),
          }),
        );
      }
    }
  }

  function vanished(kind: CaptureKind, track: MediaStreamTrack): boolean {
    const id = track.getSettings().deviceId;
    return track.readyState === 'ended' || (!!id && isGone(devices, kind, id));
  }

  /**
   * Plays the call on the chosen speaker, or on the default one while it is unplugged (saying
   * so when it was playing there). `explicit`: the user just chose it, so a failure is shown.
   */
  async function applySpeaker(explicit: boolean): Promise<void> {
    if (!SPEAKER_CHOICE) return;
    const chosen = chosenDevice('audiooutput');
    const present = chosen && !isGone(devices, 'audiooutput', chosen.deviceId);
    const wanted = present ? chosen.deviceId : '';
    const playing = ui.remoteVideo.sinkId;
    if (playing === wanted) return;
    try {
      await ui.remoteVideo.setSinkId(wanted);
    } catch (error) {
      if (!explicit) console.warn('appel:devices setSinkId', error);
      else {
        const device = chosen?.label ?? '';
        const reason = mediaErrorWords(error, KIND_WORDS.audiooutput);
        ctx.showError(t('devices.speakerFailed', { device, reason }));
      }
      return;
    }
    if (chosen && !present && playing === chosen.deviceId) {
      const notice = goneNotice('audiooutput', chosen.label);
      inCall.setNotice(notice);
      ctx.announce(notice());
    }
  }

  mediaDevices.addEventListener('devicechange', refresh);
  // A new track (a switch, a fallback, another part of the page) shows in the lists.
  media.onTrackChange(() => render());
  // Only the setup screen shows the preview: leaving it closes the camera and microphone.
  new MutationObserver(() => {
    if (ui.setup.hidden) setup.close();
  }).observe(ui.setup, { attributes: true, attributeFilter: ['hidden'] });
  onLanguageChange(() => {
    setup.relabel();
    inCall.relabel();
    render();
  });
  refresh();

  return {
    onCallState(state) {
      // A call takes the devices; once they are open, the browser names every device.
      if (state.phase === 'calling' || state.phase === 'connecting') setup.close();
      refresh();
    },
  };
}

function idOf(track: MediaStreamTrack | null): string | null {
  return track?.getSettings().deviceId ?? null;
}

/** The notice for a device that went away, re-rendered in the page's language. */
function goneNotice(kind: DeviceKind, label: string): () => string {
  return () => t(KIND_WORDS[kind].gone, { device: label || t(KIND_WORDS[kind].label) });
}
