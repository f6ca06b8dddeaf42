import { InvalidArgumentError } from '@ctxpack/block';
import { assertRecord } from '@ctxpack/block/kernel';
import type { ToolCallPolicy } from './check-tool-call.js';
import { checkToolCall } from './check-tool-call.js';
import type { Payload } from './payload.js';
import { ResponseBlockedError } from './response-blocked-error.js';
import type { ResponseAction, ResponseFinding } from './response-finding.js';
import type { ResponseScanner } from './response-scanner.js';
import { createResponseScanner } from './response-scanner.js';
import { ToolCallBlockedError } from './tool-call-blocked-error.js';

/** The `output` option of `createGuardedFetch` and `ctxpackMiddleware`: how answers are checked. */
export interface OutputGuardOptions {
  /**
   * Action per finding kind, for the answer's text and its tool calls (`default` for every other kind);
   * text kinds default to `RESPONSE_ACTIONS`, tool-call kinds to `report`.
   */
  actions?: Partial<Record<string, ResponseAction>>;
  /** Hosts URLs in the answer may point to (`docs.example.com`, `*.example.com`). */
  allowHosts?: readonly string[];
  /** Sinks and sensitive tools for `checkToolCall`. */
  toolPolicy?: ToolCallPolicy;
  /** Receives the findings of each answer (after redaction; before a `block` rejects it). */
  onFindings?: (findings: readonly ResponseFinding[], payload: Payload) => void;
}

/** One text channel of an answer (a choice, a content block): text in, checked text out. */
export interface OutputTextChannel {
  /** Adds text; returns the text that is now final (checked, redacted where asked). */
  push(text: string): string;
  /** Ends the channel; returns the rest. */
  end(): string;
}

/** The output checks of one answer to one payload. */
export interface OutputGuard {
  /** Checks a whole text; returns it redacted. */
  checkText(text: string): string;
  /** A streamed text. */
  openText(): OutputTextChannel;
  /** Checks a model-emitted tool call (any shape `checkToolCall` reads). */
  checkToolCall(call: unknown): void;
  /** Every finding so far. */
  readonly findings: readonly ResponseFinding[];
  /** Hands the findings to `onFindings` (once per answer); true when one of them is a nonce leak. */
  finish(): boolean;
}

/** Checks an `output` option; `undefined` stays off. */
export function readOutputOptions(value: unknown, path: string): OutputGuardOptions | undefined {
  if (value === undefined) return undefined;
  assertRecord(value, path);
  const onFindings = value['onFindings'];
  if (onFindings !== undefined && typeof onFindings !== 'function') {
    throw new InvalidArgumentError({ path: `${path}.onFindings`, expected: 'a function', value: onFindings });
  }
  // Bad actions, hosts or policy fail now, at setup, not at the first answer.
  createResponseScanner({ ...pickText(value as OutputGuardOptions) });
  return value as OutputGuardOptions;
}

function pickText(options: OutputGuardOptions) {
  return {
    ...(options.actions === undefined ? {} : { actions: options.actions }),
    ...(options.allowHosts === undefined ? {} : { allowHosts: options.allowHosts }),
  };
}

/**
 * The output checks of one answer: `checkResponse` over its texts (whole or
 * streamed: one scanner per channel, so a URL or nonce split across deltas
 * is caught) and `checkToolCall` over its tool calls, against the payload
 * the answer is for. A `block` finding throws (`ResponseBlockedError`,
 * `ToolCallBlockedError`) after the findings went to `onFindings`, so a
 * nonce leak still rotates the session's nonce.
 *
 * @example
 * const guard = createOutputGuard(payload, { allowHosts: ['docs.example.com'] });
 * const text = guard.checkText(answer);
 */
export function createOutputGuard(payload: Payload, options: OutputGuardOptions = {}): OutputGuard {
  readOutputOptions(options, 'options');
  assertRecord(payload as unknown, 'payload');
  const findings: ResponseFinding[] = [];
  let finished = false;
  const text = { payload, ...pickText(options) };
  const finish = (): boolean => {
    if (!finished) {
      finished = true;
      options.onFindings?.(findings, payload);
    }
    for (const f of findings) if (f.kind === 'nonce-leak') return true;
    return false;
  };
  const collect = (scanner: ResponseScanner, from: number): number => {
    for (let i = from; i < scanner.findings.length; i++)
      findings.push(scanner.findings[i] as ResponseFinding);
    return scanner.findings.length;
  };
  const blocked = () => {
    finish();
    return new ResponseBlockedError({ findings });
  };
  const openText = (): OutputTextChannel => {
    const scanner = createResponseScanner(text);
    let seen = 0;
    const step = (out: string): string => {
      seen = collect(scanner, seen);
      if (scanner.blocked) throw blocked();
      return out;
    };
    return { push: (t) => step(scanner.push(t)), end: () => step(scanner.end()) };
  };
  return {
    checkText: (t) => {
      const channel = openText();
      return channel.push(t) + channel.end();
    },
    openText,
    checkToolCall: (call) => {
      try {
        const result = checkToolCall(call, {
          payload,
          ...(options.toolPolicy === undefined ? {} : { policy: options.toolPolicy }),
          ...(options.actions === undefined ? {} : { actions: options.actions }),
        });
        for (const f of result.findings) findings.push(f);
      } catch (error) {
        if (ToolCallBlockedError.isInstance(error)) {
          for (const f of error.findings) findings.push(f);
          finish();
        }
        throw error;
      }
    },
    findings,
    finish,
  };
}
