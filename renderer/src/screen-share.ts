/** Screen sharing: the app's own picker in the desktop app, getDisplayMedia in a browser. (Being built.) */
import type { CallContext, Feature } from './feature.js';

export interface ScreenShare extends Feature {
  /** Whether a screen or window is being sent in place of the camera. */
  readonly active: boolean;
}

export function screenShareFeature(ctx: CallContext): ScreenShare {
  void ctx;
  return { active: false };
}
