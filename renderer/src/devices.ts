/** Camera, microphone and speaker choice, before and during a call. (Being built.) */
import type { CallContext, Feature } from './feature.js';

export function devicesFeature(ctx: CallContext): Feature {
  void ctx;
  return {};
}
