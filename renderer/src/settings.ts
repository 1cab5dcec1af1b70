/** Settings: the interface language. (Being built.) */
import type { CallContext, Feature } from './feature.js';

export function settingsFeature(ctx: CallContext): Feature {
  void ctx;
  return {};
}
