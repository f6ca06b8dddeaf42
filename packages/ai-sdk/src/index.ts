export type { CtxpackMiddleware, CtxpackMiddlewareOptions } from './ctxpack-middleware.js';
export { ctxpackMiddleware, STEP_HEADER } from './ctxpack-middleware.js';
