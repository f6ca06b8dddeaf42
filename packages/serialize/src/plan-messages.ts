import type { ContextBlock } from '@ctxpack/block';
import { assertRecord, assertString } from '@ctxpack/block/kernel';
import { createDataBoundary, renderPreamble } from './boundary.js';
import { assertBlocks } from './check-input.js';
import type { ResolvedPolicy, Role, SerializePolicy } from './policy.js';
import { checkBlocks, checkRole, resolveSerializePolicy } from './policy.js';
import { PolicyViolationError } from './policy-violation-error.js';
import type { SpotlightMode, SpotlightOption } from './spotlight.js';
import { applySpotlight, resolveMode } from './spotlight.js';

/** A role-neutral message, before a target gives it its wire shape: one per block, plus the preamble. */
export interface PlannedMessage {
  role: Role;
  /** The text as it will be sent (already wrapped when it is data); empty for a tool call. */
  text: string;
  /** Blocks this message came from; empty for the generated preamble. */
  blockIds: string[];
  /** Set on an assistant message that calls a tool. */
  toolCall?: { id: string; name: string; arguments: string };
  /** Set on a tool message: the call it answers. */
  toolCallId?: string;
  /** Set on a tool message: the name of the tool that answered. */
  toolName?: string;
  /** True when `text` is wrapped third-party data. */
  wrapped: boolean;
  /** The spotlighting mode of wrapped data. */
  mode?: SpotlightMode;
  /** Where the block's content (as spotlighted) sits in `text`, or in `toolCall.arguments`. */
  contentRange?: { start: number; end: number };
}

export interface PlanOptions {
  tenant: string;
  nonce: string;
  /** Who the payload is for; label rules are checked against it. Default `unknown`, which no label rule allows. */
  audience?: string;
  policy?: SerializePolicy;
  spotlight?: SpotlightOption;
}

const systemKinds = new Set<ContextBlock['kind']>([
  'system',
  'instructions',
  'example',
  'document',
  'memory',
]);

/**
 * True when a block is rendered as wrapped data rather than in a role of its
 * own: everything except the application's own text, its own tool calls, and
 * the user's own turn.
 */
export function isData(block: ContextBlock): boolean {
  if (block.trust === 'user') return block.kind !== 'user';
  if (block.trust === 'untrusted') return true;
  return !(systemKinds.has(block.kind) || block.kind === 'assistant' || block.kind === 'tool-call');
}

function isToolCall(block: ContextBlock): boolean {
  return block.kind === 'tool-call' && block.trust === 'trusted';
}

/**
 * Decides the role of every block (trust decides, docs/design.md invariant 5),
 * wraps everything that is not the application's own text as data, and puts
 * tool results right after the calls they answer, as every target API
 * requires.
 *
 * - trusted system-like kinds → system; trusted assistant → assistant;
 *   trusted tool calls → assistant tool calls (consecutive calls stay together).
 * - the user's own turn → user, unwrapped.
 * - everything else → wrapped data: in a tool message when it answers a tool
 *   call that is present, otherwise in a user message. Never system.
 *
 * @throws {PolicyViolationError} on another tenant's block, a label the
 *   audience may not receive, a role the policy refuses, a tool call without
 *   a result, duplicate call ids or results, too many blocks or bytes, or
 *   content that contains the nonce.
 */
export function planMessages(blocks: readonly ContextBlock[], options: PlanOptions): PlannedMessage[] {
  assertBlocks(blocks, 'blocks');
  assertRecord(options, 'options');
  const { nonce } = options;
  assertString(nonce, 'options.nonce');
  const policy: ResolvedPolicy = resolveSerializePolicy(options.policy);
  checkBlocks(blocks, { tenant: options.tenant, audience: options.audience ?? 'unknown', policy });
  const { spotlight } = options;
  return layoutMessages(blocks, {
    nonce,
    policy,
    modeOf: (block) => resolveMode(block, spotlight, 'options.spotlight'),
  });
}

/** What {@link layoutMessages} needs once policy and spotlighting are resolved. */
export interface LayoutOptions {
  nonce: string;
  policy: ResolvedPolicy;
  /** The spotlighting mode of a data block. */
  modeOf: (block: ContextBlock) => SpotlightMode;
  /**
   * Modes the boundary notice announces even before any data block is rendered: with a seeded
   * nonce the notice then stands first from the first request on, so requests only grow at the end.
   */
  announce?: readonly SpotlightMode[];
}

/**
 * {@link planMessages} for blocks already checked against the policy (tenant,
 * labels, limits): roles, tool pairing, wrapping. Still refuses a role the
 * policy does not allow, unpaired tool calls, and content holding the nonce.
 */
export function layoutMessages(blocks: readonly ContextBlock[], options: LayoutOptions): PlannedMessage[] {
  const { nonce, policy, modeOf } = options;
  for (const block of blocks) {
    if (block.content.includes(nonce)) {
      throw new PolicyViolationError({
        rule: 'boundary',
        blockId: block.id,
        message: 'contains the boundary nonce; draw the nonce with createNonce over every block content',
      });
    }
  }
  const order = pairToolCalls(blocks);
  const callNames = new Map<string, string>();
  for (const b of order) if (isToolCall(b)) callNames.set(b.source.callId as string, b.source.tool ?? 'tool');

  const out: PlannedMessage[] = [];
  const modes = new Set<SpotlightMode>();
  for (const block of order) {
    const ids = [block.id];
    if (!isData(block)) {
      if (isToolCall(block)) {
        checkRole(block, 'assistant', policy);
        const args = block.content;
        out.push({
          role: 'assistant',
          text: '',
          blockIds: ids,
          toolCall: { id: block.source.callId as string, name: block.source.tool ?? 'tool', arguments: args },
          wrapped: false,
          contentRange: { start: 0, end: args.length },
        });
        continue;
      }
      const role: Role = block.kind === 'user' ? 'user' : block.kind === 'assistant' ? 'assistant' : 'system';
      checkRole(block, role, policy);
      out.push({
        role,
        text: block.content,
        blockIds: ids,
        wrapped: false,
        contentRange: { start: 0, end: block.content.length },
      });
      continue;
    }
    const mode = modeOf(block);
    modes.add(mode);
    const { open, close } = createDataBoundary(block, nonce, mode);
    const body = applySpotlight(block.content, mode);
    const text = open + body + close;
    const contentRange = { start: open.length, end: open.length + body.length };
    const callId = block.source.callId;
    const toolName = callId === undefined ? undefined : callNames.get(callId);
    if (block.kind === 'tool-result' && callId !== undefined && toolName !== undefined) {
      checkRole(block, 'tool', policy);
      out.push({
        role: 'tool',
        text,
        blockIds: ids,
        toolCallId: callId,
        toolName,
        wrapped: true,
        mode,
        contentRange,
      });
    } else {
      checkRole(block, 'user', policy);
      out.push({ role: 'user', text, blockIds: ids, wrapped: true, mode, contentRange });
    }
  }
  for (const mode of options.announce ?? []) modes.add(mode);
  if (modes.size > 0) {
    const used = [...modes].sort();
    out.unshift({ role: 'system', text: renderPreamble(nonce, used), blockIds: [], wrapped: false });
  }
  return out;
}

/**
 * Orders blocks so each run of consecutive tool calls is followed directly by
 * their results (in call order), as Chat Completions, Responses, Messages and
 * the AI SDK all require. Everything else keeps its order. A result without
 * its call stays where it is and is rendered as plain data.
 */
function pairToolCalls(blocks: readonly ContextBlock[]): ContextBlock[] {
  const calls = new Map<string, ContextBlock>();
  for (const b of blocks) {
    if (!isToolCall(b)) continue;
    const id = b.source.callId;
    if (id === undefined) {
      throw new PolicyViolationError({
        rule: 'tool-pairing',
        blockId: b.id,
        message: 'is a tool call without source.callId; a call needs an id to be paired with its result',
      });
    }
    if (calls.has(id)) {
      throw new PolicyViolationError({
        rule: 'tool-pairing',
        blockId: b.id,
        message: `repeats tool call id "${id}" (first used by block "${calls.get(id)?.id}")`,
      });
    }
    calls.set(id, b);
  }
  const results = new Map<string, ContextBlock>();
  for (const b of blocks) {
    const id = b.source.callId;
    if (b.kind !== 'tool-result' || id === undefined || !calls.has(id)) continue;
    if (results.has(id)) {
      throw new PolicyViolationError({
        rule: 'tool-pairing',
        blockId: b.id,
        message: `is a second result for tool call "${id}" (the first is block "${results.get(id)?.id}")`,
      });
    }
    results.set(id, b);
  }
  for (const [id, call] of calls) {
    if (!results.has(id)) {
      throw new PolicyViolationError({
        rule: 'tool-pairing',
        blockId: call.id,
        message: `calls tool "${call.source.tool ?? 'tool'}" (id "${id}") but no result for it is in the payload; every target API refuses an unanswered call — keep the call and its result in one budget group`,
      });
    }
  }
  const paired = new Set(results.values());
  const out: ContextBlock[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i] as ContextBlock;
    if (paired.has(block)) continue;
    if (!isToolCall(block)) {
      out.push(block);
      continue;
    }
    const run: ContextBlock[] = [];
    while (i < blocks.length && isToolCall(blocks[i] as ContextBlock)) run.push(blocks[i++] as ContextBlock);
    i--;
    // A loop, not push(...run): a run of calls is bounded only by policy.maxBlocks.
    for (const call of run) out.push(call);
    for (const call of run) out.push(results.get(call.source.callId as string) as ContextBlock);
  }
  return out;
}
