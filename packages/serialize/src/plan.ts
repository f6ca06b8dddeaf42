/**
 * `@ctxpack/serialize/plan`: the building blocks under `render`, for a
 * pipeline that fits a budget between planning and rendering (`ctxpack`'s
 * `assemble`) and for tests. Not the package's contract: `render`,
 * `countRequestTokens` and `parsePayload` are; these may change with it.
 *
 * @example
 * import { createRequestPlanner } from '@ctxpack/serialize/plan';
 * const planner = createRequestPlanner({ target: 'anthropic', tenant: 'acme', counter: tokenizer });
 */
export type { RandomBytes } from './boundary.js';
export { createNonce, describeSource, escapeAttribute, renderPreamble } from './boundary.js';
export type {
  PlanItem,
  PlannedText,
  RequestPlan,
  RequestPlanner,
  RequestPlannerOptions,
} from './plan-request.js';
export { createRequestPlanner } from './plan-request.js';
export { checkBlocks, resolveSerializePolicy } from './policy.js';
export { createSeededRandom } from './seeded-random.js';
export { applySpotlight, resolveSpotlight } from './spotlight.js';
