/**
 * Opening one camera or microphone, and putting it in the call in place of the current one.
 * The new device opens before the old one closes, and the call's sender swaps tracks without
 * renegotiation (MediaHolder → app.ts → CallEngine.replaceTrack), so the other side's picture
 * and sound go on with no gap longer than a frame or two.
 */
import { TRACK_KIND, type CaptureKind } from './device-choice.js';
import { deviceBusy, type MediaHolder } from './media.js';

/** Opens the device `deviceId` of `kind`, or the system default for `null`. */
export async function openDevice(
  kind: CaptureKind,
  deviceId: string | null,
): Promise<MediaStreamTrack> {
  const constraints = deviceId ? { deviceId: { exact: deviceId } } : true;
  const stream = await navigator.mediaDevices.getUserMedia({ [TRACK_KIND[kind]]: constraints });
  const [track] = stream.getTracks();
  if (!track) throw new Error(`getUserMedia gave no ${TRACK_KIND[kind]} track`);
  return track;
}

/**
 * Sends the device `deviceId` of `kind` (the default for `null`) in the current call, keeping
 * the mute and camera-off state (the page re-applies it to the held stream's new track).
 * Returns the new track, or `null` when no call holds the devices (the next one opens the
 * remembered choice anyway). Rejects when the device cannot be opened; the old one then stays.
 */
export async function switchDevice(
  media: MediaHolder,
  kind: CaptureKind,
  deviceId: string | null,
): Promise<MediaStreamTrack | null> {
  if (!media.current) return null;
  let track: MediaStreamTrack;
  try {
    track = await openDevice(kind, deviceId);
  } catch (error) {
    const old = media.track(TRACK_KIND[kind]);
    // Some systems open one camera at a time: then the old one has to close first.
    if (!old || !deviceBusy(error)) throw error;
    old.stop();
    track = await openDevice(kind, deviceId);
  }
  // The call ended while the device opened.
  if (!media.current) {
    track.stop();
    return null;
  }
  media.replaceTrack(TRACK_KIND[kind], track);
  return track;
}
