/** File transfer over the call's data channels. (Being built.) */
import type { CallContext, Feature } from './feature.js';

export function fileTransferFeature(ctx: CallContext): Feature {
  void ctx;
  return {};
}
