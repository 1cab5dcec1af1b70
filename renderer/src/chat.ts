/** Chat over the call's data channel. (Being built.) */
import type { CallContext, Feature } from './feature.js';

export function chatFeature(ctx: CallContext): Feature {
  void ctx;
  return {};
}
