// The word lists of the injection heuristics: ONE source for the regex rules
// (injection-rules.ts builds each alternation from these arrays), their
// needles, and the clean-text fast path (plain-text.ts builds its word-pair
// table from the same arrays), so a word added to a rule cannot be missed by
// the fast path. Words are lowercase ASCII: the rules run on folded text.

/** `ignore-previous`: verb, 1–4 qualifiers, object. */
export const OVERRIDE_VERBS: readonly string[] = [
  'ignore',
  'disregard',
  'forget',
  'override',
  'bypass',
  'neglect',
  'skip',
  'drop',
  'abandon',
];
export const OVERRIDE_QUALIFIERS: readonly string[] = [
  'all',
  'any',
  'every',
  'the',
  'your',
  'my',
  'of',
  'these',
  'those',
  'previous',
  'prior',
  'above',
  'earlier',
  'preceding',
  'former',
  'original',
  'system',
  'developer',
  'initial',
  'existing',
  'other',
  'safety',
];
export const OVERRIDE_OBJECTS: readonly string[] = [
  'instruction',
  'instructions',
  'prompt',
  'prompts',
  'rule',
  'rules',
  'direction',
  'directions',
  'directive',
  'directives',
  'guideline',
  'guidelines',
  'guidance',
  'context',
  'message',
  'messages',
  'command',
  'commands',
  'order',
  'orders',
  'constraint',
  'constraints',
  'restriction',
  'restrictions',
  'policies',
  'policy',
  'programming',
  'training',
];

/** `ignore-above`: verb, optional `all|everything|what`, optional `of|is`, optional `the`, then what came before. */
export const ABOVE_VERBS: readonly string[] = ['ignore', 'disregard', 'forget'];
export const ABOVE_FILLERS: readonly string[] = ['all', 'everything', 'what'];
export const ABOVE_LINKS: readonly string[] = ['of', 'is'];
/** Words that can end the phrase (`above`, `before`, `previously said`, `said before`). */
export const ABOVE_ENDS: readonly string[] = ['above', 'before', 'previously', 'said'];

/** `new-instructions`: adjective, optional `system`, object, colon. */
export const NEW_ADJECTIVES: readonly string[] = ['new', 'updated', 'real', 'actual', 'revised', 'true'];
export const NEW_OBJECTS: readonly string[] = [
  'instruction',
  'instructions',
  'directive',
  'directives',
  'rules',
];

/** `act-as`. */
export const ACT_VERBS: readonly string[] = ['act', 'behave', 'respond', 'answer'];
export const ACT_ROLES: readonly string[] = [
  'unrestricted',
  'unfiltered',
  'uncensored',
  'jailbroken',
  'dan',
  'evil',
  'system',
  'admin',
  'administrator',
  'root',
  'developer',
];

/** `mode-switch`: verb, privileged mode, `mode`. */
export const MODE_VERBS: readonly string[] = ['enter', 'enable', 'activate'];
export const MODE_NAMES: readonly string[] = [
  'developer',
  'god',
  'dan',
  'jailbreak',
  'admin',
  'debug',
  'unrestricted',
  'sudo',
];

/** `reveal-prompt`: the phrases it ends with, as [first words, second words]. */
export const REVEAL_ENDINGS: readonly (readonly [readonly string[], readonly string[]])[] = [
  [['system'], ['prompt']],
  [['initial'], ['prompt', 'instructions']],
  [['hidden'], ['prompt', 'instructions']],
  [
    ['your', 'the'],
    ['instructions', 'prompt', 'rules', 'guidelines'],
  ],
  [['text', 'everything', 'words'], ['above']],
];
export const REVEAL_VERBS: readonly string[] = [
  'reveal',
  'print',
  'show',
  'repeat',
  'output',
  'display',
  'leak',
  'dump',
  'disclose',
  'recite',
];

/** `must-call`: cue (besides `you must`), verb. */
export const CALL_CUES: readonly string[] = ['always', 'immediately', 'first', 'now'];
export const CALL_VERBS: readonly string[] = ['call', 'invoke', 'run', 'execute', 'use', 'trigger'];
/** `call-tool`: the word after `tool`/`function`. */
export const CALL_LINKS: readonly string[] = ['with', 'using', 'and', 'to'];

/** `pipe-to-shell`: downloaders, which fire the fast path on their own (the `| sh` may be far away). */
export const DOWNLOADERS: readonly string[] = ['curl', 'wget'];

/** `do-not-tell`: negation (besides `do not` / `don't`), verb. */
export const CONCEAL_NEGATIONS: readonly string[] = ['never', 'without'];
export const CONCEAL_VERBS: readonly string[] = [
  'tell',
  'inform',
  'mention',
  'reveal',
  'notify',
  'alert',
  'let',
  'show',
  'warn',
];

/** `keep-secret`. */
export const USER_MODALS: readonly string[] = ['must', 'should', 'will'];

/** `(?:a|b|c)` over `words`, longest first (so a prefix never wins over the whole word). */
export function alternation(words: readonly string[]): string {
  return `(?:${[...words].sort((a, b) => b.length - a.length).join('|')})`;
}

/** The `-ing` forms of verbs (`tell` → `telling`, `let` → `letting`). */
export function gerunds(words: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of words) out.push(w === 'let' ? 'letting' : `${w}ing`);
  return out;
}
