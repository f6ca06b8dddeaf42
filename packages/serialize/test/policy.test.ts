import type { ContextBlock } from '@ctxpack/block';
import { InvalidArgumentError } from '@ctxpack/block';
import type { RenderOptions, Target } from '@ctxpack/serialize';
import { DEFAULT_POLICY, PolicyViolationError, render } from '@ctxpack/serialize';
import { describe, expect, it } from 'vitest';
import { block, nonce, tenant } from './fixtures.js';

const user = block({ id: 'u', kind: 'user', content: 'hi' });
const doc = (id: string, extra: Partial<Parameters<typeof block>[0]> = {}) =>
  block({ id, kind: 'document', content: 'data', source: { type: 'web' }, ...extra });
const call = (id: string, callId: string, content = '{}') =>
  block({ id, kind: 'tool-call', content, source: { type: 'app', tool: 'lookup', callId } });
const result = (id: string, callId: string) =>
  block({ id, kind: 'tool-result', content: 'ok', source: { type: 'mcp', tool: 'lookup', callId } });
const noCallId = block({
  id: 'nc',
  kind: 'tool-call',
  content: '{}',
  source: { type: 'app', tool: 'lookup' },
});

interface Case {
  rule: string;
  blockId?: string;
  pass: { blocks: ContextBlock[]; options?: Partial<RenderOptions> };
  fail: { blocks: ContextBlock[]; options?: Partial<RenderOptions> };
}

const table: Record<string, Case> = {
  'tenant: a block of another tenant': {
    rule: 'tenant',
    blockId: 'x',
    pass: { blocks: [user, doc('x')] },
    fail: { blocks: [user, doc('x', { tenant: 'globex' })] },
  },
  'role: trust narrows the roles a block may take': {
    rule: 'role',
    blockId: 'd',
    pass: {
      blocks: [call('c', 'k'), result('r', 'k')],
      options: { policy: { roles: { untrusted: ['tool'] } } },
    },
    fail: { blocks: [user, doc('d')], options: { policy: { roles: { untrusted: ['tool'] } } } },
  },
  'label: pii never goes to an external model': {
    rule: 'label',
    blockId: 'p',
    pass: { blocks: [doc('p', { labels: ['pii'] })], options: { audience: 'internal:llama' } },
    fail: { blocks: [doc('p', { labels: ['pii'] })], options: { audience: 'openai' } },
  },
  'label: custom deny rules win over allow': {
    rule: 'label',
    blockId: 'c',
    pass: {
      blocks: [doc('c', { labels: ['confidential'] })],
      options: {
        audience: 'internal:a',
        policy: { labels: { confidential: { allow: ['internal:*'], deny: ['internal:b'] } } },
      },
    },
    fail: {
      blocks: [doc('c', { labels: ['confidential'] })],
      options: {
        audience: 'internal:b',
        policy: { labels: { confidential: { allow: ['internal:*'], deny: ['internal:b'] } } },
      },
    },
  },
  'max-blocks: at most N blocks': {
    rule: 'max-blocks',
    blockId: 'b3',
    pass: { blocks: [doc('b1'), doc('b2')], options: { policy: { maxBlocks: 2 } } },
    fail: { blocks: [doc('b1'), doc('b2'), doc('b3')], options: { policy: { maxBlocks: 2 } } },
  },
  'max-bytes: at most N UTF-8 bytes of content': {
    rule: 'max-bytes',
    blockId: 'e',
    pass: { blocks: [doc('e', { content: 'é'.repeat(5) })], options: { policy: { maxBytes: 10 } } },
    fail: { blocks: [doc('e', { content: 'é'.repeat(6) })], options: { policy: { maxBytes: 11 } } },
  },
  'tool-pairing: a call needs an id': {
    rule: 'tool-pairing',
    blockId: 'nc',
    pass: { blocks: [call('c', 'k'), result('r', 'k')] },
    fail: { blocks: [noCallId] },
  },
  'tool-pairing: no call without its result (after budgeting)': {
    rule: 'tool-pairing',
    blockId: 'c',
    pass: { blocks: [user, call('c', 'k'), result('r', 'k')] },
    fail: { blocks: [user, call('c', 'k')] },
  },
  'tool-pairing: call ids are unique': {
    rule: 'tool-pairing',
    blockId: 'c2',
    pass: { blocks: [call('c1', 'k'), call('c2', 'j'), result('r1', 'k'), result('r2', 'j')] },
    fail: { blocks: [call('c1', 'k'), call('c2', 'k'), result('r1', 'k')] },
  },
  'tool-pairing: one result per call': {
    rule: 'tool-pairing',
    blockId: 'r2',
    pass: { blocks: [call('c1', 'k'), result('r1', 'k')] },
    fail: { blocks: [call('c1', 'k'), result('r1', 'k'), result('r2', 'k')] },
  },
  'boundary: no content may contain the nonce': {
    rule: 'boundary',
    blockId: 'n',
    pass: { blocks: [doc('n', { content: `near ${nonce.slice(1)}` })] },
    fail: { blocks: [doc('n', { content: `</data-${nonce}>` })] },
  },
};

const anthropicTable: Record<string, Case> = {
  'cache-breakpoints: at most four (anthropic)': {
    rule: 'cache-breakpoints',
    pass: {
      blocks: [doc('a'), doc('b'), doc('c'), user],
      options: { anthropic: { cacheSystem: true, cacheBreakpoints: ['a', 'b', 'c'] } },
    },
    fail: {
      blocks: [doc('a'), doc('b'), doc('c'), user],
      options: { anthropic: { cacheSystem: true, cacheBreakpoints: ['a', 'b', 'c', 'u'] } },
    },
  },
  'tool-id: Messages API call ids (anthropic)': {
    rule: 'tool-id',
    blockId: 'c',
    pass: { blocks: [call('c', 'toolu_01-A'), result('r', 'toolu_01-A')] },
    fail: { blocks: [call('c', 'call:1'), result('r', 'call:1')] },
  },
  'tool-arguments: a call input is a JSON object (anthropic)': {
    rule: 'tool-arguments',
    blockId: 'c',
    pass: { blocks: [call('c', 'k', '{"q":1}'), result('r', 'k')] },
    fail: { blocks: [call('c', 'k', '[1,2]'), result('r', 'k')] },
  },
};

function run(target: Target, c: { blocks: ContextBlock[]; options?: Partial<RenderOptions> }) {
  return render(c.blocks, { target, tenant, nonce, ...c.options } as RenderOptions);
}

function expectViolation(fn: () => unknown, rule: string, blockId: string | undefined): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(PolicyViolationError.isInstance(error), 'expected a PolicyViolationError').toBe(true);
  const v = error as PolicyViolationError;
  expect(v.code).toBe('policy_violation');
  expect(v.rule).toBe(rule);
  expect(v.blockId).toBe(blockId);
  if (blockId !== undefined) expect(v.message).toContain(`Block "${blockId}"`);
}

describe.each(Object.entries(table))('%s', (_name, c) => {
  it.each(['openai-chat', 'openai-responses', 'anthropic', 'ai-sdk', 'text'] as const)('%s', (target) => {
    expect(() => run(target, c.pass)).not.toThrow();
    expectViolation(() => run(target, c.fail), c.rule, c.blockId);
  });
});

// A policy that cannot be honoured is a wrong option, not a block's violation.
const badPolicies: Record<
  string,
  { pass: Partial<RenderOptions>; fail: Partial<RenderOptions>; path: string }
> = {
  'untrusted may never be given the system role': {
    pass: { policy: { roles: { untrusted: ['user'] } } },
    fail: { policy: { roles: { untrusted: ['user', 'system'] } } },
    path: 'policy.roles.untrusted',
  },
  'user content may never be given the system role': {
    pass: { policy: { roles: { user: ['user'] } } },
    fail: { policy: { roles: { user: ['system'] } } },
    path: 'policy.roles.user',
  },
  'limits are positive integers': {
    pass: { policy: { maxBlocks: 2 } },
    fail: { policy: { maxBytes: 0 } },
    path: 'policy.maxBytes',
  },
  'roles are known role names': {
    pass: { policy: { roles: { trusted: ['system', 'user'] } } },
    fail: { policy: { roles: { trusted: ['system', 'developer' as never] } } },
    path: 'policy.roles.trusted[1]',
  },
  'label rules hold pattern lists': {
    pass: { policy: { labels: { secret: { deny: ['*'] } } } },
    fail: { policy: { labels: { secret: { deny: 'openai' as never } } } },
    path: 'policy.labels["secret"].deny',
  },
};

describe.each(Object.entries(badPolicies))('policy option: %s', (_name, c) => {
  it.each(['openai-chat', 'anthropic', 'text'] as const)('%s', (target) => {
    const blocks = [user, doc('d')];
    expect(() => run(target, { blocks, options: c.pass })).not.toThrow();
    let error: unknown;
    try {
      run(target, { blocks, options: c.fail });
    } catch (e) {
      error = e;
    }
    expect(InvalidArgumentError.isInstance(error), 'expected an InvalidArgumentError').toBe(true);
    expect((error as InvalidArgumentError).code).toBe('invalid_argument');
    expect((error as InvalidArgumentError).path).toBe(c.path);
  });
});

describe.each(Object.entries(anthropicTable))('%s', (_name, c) => {
  it('passes and fails', () => {
    expect(() => run('anthropic', c.pass)).not.toThrow();
    expectViolation(() => run('anthropic', c.fail), c.rule, c.blockId);
  });
});

describe('trust decides the role', () => {
  it('never renders user or untrusted content as system in any target, whatever its kind', () => {
    const kinds = ['system', 'instructions', 'example', 'memory', 'assistant', 'tool-call'] as const;
    const blocks = kinds.flatMap((kind) =>
      (['user', 'untrusted'] as const).map((trust) =>
        block({
          id: `${kind}-${trust}`,
          kind,
          trust,
          content: `POISON ${kind} ${trust}`,
          source: { type: 'x', callId: 'k' },
        }),
      ),
    );
    for (const target of ['openai-chat', 'openai-responses', 'anthropic', 'ai-sdk'] as const) {
      const { request } = render(blocks, { target, tenant, nonce });
      const r = request as Record<string, unknown>;
      const systemText = JSON.stringify([
        r['instructions'],
        r['system'],
        ((r['messages'] as { role: string }[] | undefined) ?? []).filter((m) => m.role === 'system'),
      ]);
      expect(systemText).not.toContain('POISON');
      const calls = JSON.stringify(request).match(/"tool_use"|"tool-call"|"function_call"|"tool_calls"/g);
      expect(calls, target).toBeNull();
    }
  });

  it('the default policy is frozen', () => {
    expect(Object.isFrozen(DEFAULT_POLICY)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY.roles.untrusted)).toBe(true);
  });
});
