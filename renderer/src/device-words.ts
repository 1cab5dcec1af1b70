/** The catalogue keys that name each kind of device, in lists, notices and errors. */
import type { DeviceKind } from './device-choice.js';
import type { StringKey } from './i18n.js';

/** Why a device cannot be used ("no camera was found"), by the error's kind. */
export interface ReasonWords {
  denied: StringKey;
  notFound: StringKey;
  busy: StringKey;
}

export interface KindWords extends ReasonWords {
  /** The list's label ("Camera"). */
  label: StringKey;
  /** A device the browser does not name yet ("Camera {n}"). */
  unnamed: StringKey;
  /** The notice when a chosen device is gone and the default takes over. */
  gone: StringKey;
}

export const KIND_WORDS: Record<DeviceKind, KindWords> = {
  videoinput: {
    label: 'devices.camera',
    unnamed: 'devices.unnamedCamera',
    gone: 'devices.goneCamera',
    denied: 'devices.deniedCamera',
    notFound: 'devices.notFoundCamera',
    busy: 'devices.busyCamera',
  },
  audioinput: {
    label: 'devices.microphone',
    unnamed: 'devices.unnamedMicrophone',
    gone: 'devices.goneMicrophone',
    denied: 'devices.deniedMicrophone',
    notFound: 'devices.notFoundMicrophone',
    busy: 'devices.busyMicrophone',
  },
  audiooutput: {
    label: 'devices.speaker',
    unnamed: 'devices.unnamedSpeaker',
    gone: 'devices.goneSpeaker',
    denied: 'devices.deniedSpeaker',
    notFound: 'devices.notFoundSpeaker',
    busy: 'devices.busySpeaker',
  },
};

/** The reasons when the camera and the microphone were asked for together. */
export const BOTH_WORDS: ReasonWords = {
  denied: 'devices.deniedBoth',
  notFound: 'devices.notFoundBoth',
  busy: 'devices.busyBoth',
};
