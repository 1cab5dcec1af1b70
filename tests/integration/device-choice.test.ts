/**
 * Which device the page shows and uses, given what the browser lists and what the user chose:
 * before permission (no ids, no labels), after it, and once a chosen device is unplugged.
 */
import { describe, expect, it } from 'vitest';
import {
  deviceOptions,
  idsKnown,
  isGone,
  missedChoice,
  parseChoice,
  selectedOption,
  type ListedDevice,
} from '../../renderer/src/device-choice.js';

const camera = (deviceId: string, label: string): ListedDevice => ({
  kind: 'videoinput',
  deviceId,
  label,
});
const microphone = (deviceId: string, label: string): ListedDevice => ({
  kind: 'audioinput',
  deviceId,
  label,
});
const unnamed = (n: number): string => `Camera ${n}`;

/** As Chromium and Firefox list devices before the user grants access: no ids, no labels. */
const beforePermission = [camera('', ''), microphone('', '')];
const granted = [
  microphone('default', 'Default - Headset'),
  microphone('mic-2', 'Headset'),
  camera('cam-1', 'Built-in Camera'),
  camera('cam-2', 'USB Webcam'),
];

describe('parseChoice', () => {
  it('reads back what the page remembered', () => {
    expect(parseChoice('{"deviceId":"cam-2","label":"USB Webcam"}')).toEqual({
      deviceId: 'cam-2',
      label: 'USB Webcam',
    });
  });

  it('treats missing, malformed or empty choices as no choice (the default)', () => {
    for (const text of [null, '', 'not json', '42', 'null', '{"label":"x"}', '{"deviceId":""}']) {
      expect(parseChoice(text)).toBeNull();
    }
  });
});

describe('deviceOptions', () => {
  it('names devices the browser does not name yet "Camera 1", "Camera 2"…', () => {
    const list = [camera('', ''), camera('', ''), microphone('', '')];
    expect(deviceOptions([camera('a', ''), camera('b', '')], 'videoinput', unnamed, null)).toEqual([
      { deviceId: 'a', label: 'Camera 1' },
      { deviceId: 'b', label: 'Camera 2' },
    ]);
    // Entries without ids are one and the same "whatever the system picks".
    expect(deviceOptions(list, 'videoinput', unnamed, null)).toEqual([
      { deviceId: '', label: 'Camera 1' },
    ]);
  });

  it('lists the devices of one kind, by label, once access is granted', () => {
    expect(deviceOptions(granted, 'videoinput', unnamed, null)).toEqual([
      { deviceId: 'cam-1', label: 'Built-in Camera' },
      { deviceId: 'cam-2', label: 'USB Webcam' },
    ]);
  });

  it('keeps showing a remembered device while the list cannot say whether it is there', () => {
    const chosen = { deviceId: 'cam-2', label: 'USB Webcam' };
    expect(deviceOptions(beforePermission, 'videoinput', unnamed, chosen)).toEqual([
      { deviceId: '', label: 'Camera 1' },
      chosen,
    ]);
    // Once the browser lists ids, an absent device is not offered.
    expect(
      deviceOptions([camera('cam-1', 'Built-in Camera')], 'videoinput', unnamed, chosen),
    ).toEqual([{ deviceId: 'cam-1', label: 'Built-in Camera' }]);
  });
});

describe('selectedOption', () => {
  const options = deviceOptions(granted, 'videoinput', unnamed, null);
  const usb = { deviceId: 'cam-2', label: 'USB Webcam' };

  it('prefers the device in use, then the remembered one, then the first (the default)', () => {
    expect(selectedOption(options, 'cam-1', usb)).toBe('cam-1');
    expect(selectedOption(options, null, usb)).toBe('cam-2');
    expect(selectedOption(options, null, null)).toBe('cam-1');
    expect(selectedOption(options, 'unlisted', { deviceId: 'gone', label: 'Old' })).toBe('cam-1');
    expect(selectedOption([], null, usb)).toBe('');
  });
});

describe('isGone and idsKnown', () => {
  it('says a device is gone only when the list names the devices of its kind', () => {
    expect(idsKnown(beforePermission, 'videoinput')).toBe(false);
    expect(isGone(beforePermission, 'videoinput', 'cam-2')).toBe(false);
    expect(idsKnown(granted, 'videoinput')).toBe(true);
    expect(isGone(granted, 'videoinput', 'cam-2')).toBe(false);
    expect(isGone(granted, 'videoinput', 'unplugged')).toBe(true);
    // A microphone id is not a camera.
    expect(isGone(granted, 'videoinput', 'mic-2')).toBe(true);
    expect(isGone(granted, 'audiooutput', 'anything')).toBe(false);
  });
});

describe('missedChoice', () => {
  const usb = { deviceId: 'cam-2', label: 'USB Webcam' };

  it('is the remembered device when the capture opened another one', () => {
    expect(missedChoice(usb, 'cam-1')).toEqual(usb);
    expect(missedChoice(usb, 'cam-2')).toBeNull();
    expect(missedChoice(null, 'cam-1')).toBeNull();
    // A browser that does not report the device: nothing to say.
    expect(missedChoice(usb, undefined)).toBeNull();
  });
});
