import type { ContextBlock } from '@ctxpack/block';
import { renderPreamble, wrapData } from './boundary.js';
import { PolicyViolationError } from './policy-violation-error.js';

/** A role-neutral message, before a target gives it its wire shape. */
export interface PlannedMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** The text as it will be sent (already wrapped when it is data). */
  text: string;
  /** Blocks this message came from; empty for the generated preamble. */
  blockIds: string[];
  /** Set on an assistant message that calls a tool. */
  toolCall?: { id: string; name: string; arguments: string };
  /** Set on a tool message: the call it answers. */
  toolCallId?: string;
  /** True when `text` is wrapped third-party data. */
  wrapped: boolean;
}

export interface PlanOptions {
  tenant: string;
  nonce: string;
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
 * own: everything except the application's own text and the user's own turn.
 */
export function isDataBlock(block: ContextBlock): boolean {
  if (block.trust === 'user') return block.kind !== 'user';
  if (block.trust === 'untrusted') return true;
  return !(systemKinds.has(block.kind) || block.kind === 'assistant' || isToolCall(block));
}

function isToolCall(block: ContextBlock): boolean {
  return block.kind === 'tool-call' && block.trust === 'trusted' && block.source.callId !== undefined;
}

/**
 * Decides the role of every block (trust decides, DESIGN.md invariant 5) and
 * wraps everything that is not the application's own text as data.
 *
 * - trusted system-like kinds → system; trusted assistant → assistant;
 *   trusted tool calls → assistant tool calls.
 * - the user's own turn → user, unwrapped.
 * - everything else → wrapped data: in a tool message when it answers a tool
 *   call that is present, otherwise in a user message. Never system.
 *
 * @throws {PolicyViolationError} when a block belongs to another tenant.
 */
export function planMessages(
  blocks: readonly ContextBlock[],
  { tenant, nonce }: PlanOptions,
): PlannedMessage[] {
  for (const block of blocks) {
    if (block.tenant !== tenant) {
      throw new PolicyViolationError({
        rule: 'tenant',
        blockId: block.id,
        message: `belongs to tenant "${block.tenant}", not "${tenant}"; cross-tenant context is refused`,
      });
    }
  }
  const callIds = new Set<string>();
  for (const b of blocks) {
    if (b.kind === 'tool-call' && b.trust === 'trusted' && b.source.callId !== undefined)
      callIds.add(b.source.callId);
  }

  const out: PlannedMessage[] = [];
  let wrappedAny = false;
  for (const block of blocks) {
    const ids = [block.id];
    if (!isDataBlock(block)) {
      if (isToolCall(block)) {
        out.push({
          role: 'assistant',
          text: '',
          blockIds: ids,
          toolCall: { id: block.source.callId as string, name: block.source.tool ?? 'tool', arguments: block.content },
          wrapped: false,
        });
      } else {
        const role = block.kind === 'user' ? 'user' : block.kind === 'assistant' ? 'assistant' : 'system';
        out.push({ role, text: block.content, blockIds: ids, wrapped: false });
      }
      continue;
    }
    wrappedAny = true;
    const text = wrapData(block, block.content, nonce);
    const callId = block.source.callId;
    if (block.kind === 'tool-result' && callId !== undefined && callIds.has(callId)) {
      out.push({ role: 'tool', text, blockIds: ids, toolCallId: callId, wrapped: true });
    } else {
      out.push({ role: 'user', text, blockIds: ids, wrapped: true });
    }
  }
  if (wrappedAny) out.unshift({ role: 'system', text: renderPreamble(nonce), blockIds: [], wrapped: false });
  return out;
}
