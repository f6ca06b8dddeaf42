import { InvalidArgumentError } from '@ctxpack/block';
import { ResponseBlockedError } from './response-blocked-error.js';
import type { ResponseFinding } from './response-finding.js';
import type { CheckResponseOptions } from './response-scanner.js';
import { createResponseScanner } from './response-scanner.js';

/** Options of `createResponseGuard`: those of `checkResponse`, plus a findings callback. */
export interface ResponseGuardOptions extends CheckResponseOptions {
  /** Called with each finding as soon as it is made. */
  onFinding?: (finding: ResponseFinding) => void;
}

/** The guard stream, with the findings made so far. */
export interface ResponseGuard extends TransformStream<string, string> {
  readonly findings: readonly ResponseFinding[];
}

/**
 * The checks of `checkResponse` over a stream of text chunks. It holds back
 * only the current line (at most `windowChars`, default 16 KiB), so a URL,
 * nonce or secret split across chunks is still caught and redacted, and
 * passes every finished line through. Lines are cut by the text alone, never
 * by where chunks end, so every chunking yields the same findings and text
 * as `checkResponse` on the whole answer. A `block` finding errors the stream
 * with a `ResponseBlockedError` before its line is written.
 *
 * @example
 * const guarded = textStream.pipeThrough(createResponseGuard({ payload, allowHosts: ['docs.example.com'] }));
 */
export function createResponseGuard(options: ResponseGuardOptions = {}): ResponseGuard {
  const scanner = createResponseScanner(options);
  const onFinding = options.onFinding;
  if (onFinding !== undefined && typeof onFinding !== 'function') {
    throw new InvalidArgumentError({ path: 'options.onFinding', expected: 'a function', value: onFinding });
  }
  let reported = 0;
  const emit = (controller: TransformStreamDefaultController<string>, text: string) => {
    // Not `onFinding?.(findings[reported++])`: optional chaining would skip the increment.
    for (; reported < scanner.findings.length; reported++)
      onFinding?.(scanner.findings[reported] as ResponseFinding);
    if (scanner.blocked) throw new ResponseBlockedError({ findings: scanner.findings });
    if (text !== '') controller.enqueue(text);
  };
  const stream = new TransformStream<string, string>({
    transform: (chunk, controller) => {
      if (typeof chunk !== 'string') {
        throw new InvalidArgumentError({ path: 'chunk', expected: 'a string', value: chunk });
      }
      emit(controller, scanner.push(chunk));
    },
    flush: (controller) => emit(controller, scanner.end()),
  });
  return Object.defineProperty(stream, 'findings', {
    get: () => scanner.findings,
    enumerable: true,
  }) as ResponseGuard;
}
