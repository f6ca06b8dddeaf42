import type { Finding } from './finding.js';

/** An invisible or control character run that the policy may strip or make visible. */
export interface InvisibleHit extends Omit<Finding, 'rule'> {
  /** Text that replaces the run under `strip` ('' or U+FFFD for lone surrogates). */
  strip: string;
}
