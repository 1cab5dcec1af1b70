/**
 * Which camera, microphone and speaker to show and use, decided from what the browser lists and
 * what the user chose before. Pure: no DOM, no storage (tests run it in Node).
 */

export type DeviceKind = 'videoinput' | 'audioinput' | 'audiooutput';
/** The kinds a call captures. */
export type CaptureKind = Exclude<DeviceKind, 'audiooutput'>;

export const DEVICE_KINDS: readonly DeviceKind[] = ['videoinput', 'audioinput', 'audiooutput'];
export const CAPTURE_KINDS: readonly CaptureKind[] = ['videoinput', 'audioinput'];

/** The track kind each capture kind gives. */
export const TRACK_KIND = { videoinput: 'video', audioinput: 'audio' } as const satisfies Record<
  CaptureKind,
  MediaStreamTrack['kind']
>;

/** A device the user picked, remembered with its name so that a notice can name it once gone. */
export interface DeviceChoice {
  deviceId: string;
  label: string;
}

/** What the page needs of a MediaDeviceInfo. */
export type ListedDevice = Pick<MediaDeviceInfo, 'kind' | 'deviceId' | 'label'>;

/** One entry of a device list as the page shows it. */
export interface DeviceOption {
  deviceId: string;
  label: string;
}

/** Reads a remembered choice back; anything malformed counts as no choice. */
export function parseChoice(text: string | null): DeviceChoice | null {
  if (!text) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Written by an older version or by hand: the system default then.
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { deviceId, label } = value as Record<string, unknown>;
  if (typeof deviceId !== 'string' || deviceId === '' || typeof label !== 'string') return null;
  return { deviceId, label };
}

/**
 * Whether the list tells devices of this kind apart. Before the user grants the camera or
 * microphone, browsers list each kind without ids (one entry, or none), so a device missing
 * from the list may still be there.
 */
export function idsKnown(devices: readonly ListedDevice[], kind: DeviceKind): boolean {
  return devices.some((device) => device.kind === kind && device.deviceId !== '');
}

/** Whether `deviceId` is surely gone: the list names the devices of its kind and not this one. */
export function isGone(
  devices: readonly ListedDevice[],
  kind: DeviceKind,
  deviceId: string,
): boolean {
  return (
    idsKnown(devices, kind) &&
    !devices.some((device) => device.kind === kind && device.deviceId === deviceId)
  );
}

/**
 * The entries of one list: the browser's devices of `kind`, named by their label or, while
 * labels are hidden (no permission yet), "Camera 1", "Camera 2"… from `unnamed`. A remembered
 * choice the list cannot confirm yet (no ids) is kept as an entry, so the list still shows it.
 */
export function deviceOptions(
  devices: readonly ListedDevice[],
  kind: DeviceKind,
  unnamed: (position: number) => string,
  chosen: DeviceChoice | null,
): DeviceOption[] {
  const options: DeviceOption[] = [];
  for (const device of devices) {
    if (device.kind !== kind) continue;
    if (options.some((option) => option.deviceId === device.deviceId)) continue;
    options.push({ deviceId: device.deviceId, label: device.label || unnamed(options.length + 1) });
  }
  if (chosen && !idsKnown(devices, kind)) {
    options.push({ deviceId: chosen.deviceId, label: chosen.label || unnamed(options.length + 1) });
  }
  return options;
}

/**
 * The entry a list selects: the device in use, else the remembered choice, else the first
 * (the browser lists the system default first).
 */
export function selectedOption(
  options: readonly DeviceOption[],
  inUse: string | null,
  chosen: DeviceChoice | null,
): string {
  const listed = (id: string | null | undefined): id is string =>
    id != null && options.some((option) => option.deviceId === id);
  if (listed(inUse)) return inUse;
  if (listed(chosen?.deviceId)) return chosen.deviceId;
  return options[0]?.deviceId ?? '';
}

/**
 * The remembered device a capture did not get: `chosen` when the track opened on another device
 * (it was unplugged, or is taken), else `null`.
 */
export function missedChoice(
  chosen: DeviceChoice | null,
  openedDeviceId: string | undefined,
): DeviceChoice | null {
  if (!chosen || openedDeviceId === undefined) return null;
  return openedDeviceId === chosen.deviceId ? null : chosen;
}
