/** The camera, microphone and speaker the user chose, remembered across visits. */
import { parseChoice, type DeviceChoice, type DeviceKind } from './device-choice.js';
import { remember, remembered } from './storage.js';

const key = (kind: DeviceKind): string => `appel.device.${kind}`;

/** The device of `kind` the user chose last, or `null` for the system default. */
export function chosenDevice(kind: DeviceKind): DeviceChoice | null {
  return parseChoice(remembered(key(kind)));
}

export function chooseDevice(kind: DeviceKind, choice: DeviceChoice): void {
  remember(key(kind), JSON.stringify(choice));
}
