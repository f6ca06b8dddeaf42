import { CtxpackError } from '@ctxpack/block';
import { hasMarker, setMarker } from '@ctxpack/block/kernel';

const marker: symbol = Symbol.for('ctxpack.error.gateway_config_invalid');

/** One problem found in a gateway config or key set file. */
export interface GatewayConfigIssue {
  /** Where, e.g. `tenants[1].keySet` or `keys[0].x`. */
  path: string;
  message: string;
}

/**
 * A gateway config file or JWKS key set that cannot be used: not JSON, a
 * missing or wrong field, a tenant naming an unknown key set, a key that is
 * not an Ed25519 public key. `path` is the first issue's; `issues` lists them all.
 *
 * @example
 * catch (e) { if (GatewayConfigError.isInstance(e)) for (const i of e.issues) console.error(i.path, i.message) }
 */
export class GatewayConfigError extends CtxpackError {
  override readonly code: 'gateway_config_invalid';
  /** The file (or `config`) the issues are in. */
  readonly source: string;
  readonly path: string;
  readonly issues: readonly GatewayConfigIssue[];

  constructor(options: { source: string; issues: readonly GatewayConfigIssue[]; cause?: unknown }) {
    const issues = options.issues.length > 0 ? options.issues : [{ path: '(root)', message: 'invalid' }];
    const first = issues[0] as GatewayConfigIssue;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super({
      code: 'gateway_config_invalid',
      message: `${options.source}: ${first.path}: ${first.message}${more}`,
      cause: options.cause,
    });
    this.name = 'GatewayConfigError';
    this.code = 'gateway_config_invalid';
    this.source = options.source;
    this.path = first.path;
    this.issues = Object.freeze(issues.slice(0, 100));
    setMarker(this, marker);
  }

  static override isInstance(error: unknown): error is GatewayConfigError {
    return hasMarker(error, marker);
  }
}
