import { BudgetExceededError } from './budget-exceeded-error.js';
import { invalidInput } from './check-input.js';
import { countCacheFor } from './count-cache.js';
import { cutRendered } from './cut-rendered.js';
import { type CountingTokenizer, type CutResult, createCountingTokenizer, cutText } from './cut-text.js';
import type { BudgetReport, FitItem, FitItemResult, FitOptions, FitResult } from './fit-types.js';
import { BUDGET_LIMITS } from './limits.js';
import { type NormalizedFitOptions, validateFitInput } from './validate-fit-input.js';

interface Work {
  readonly index: number;
  readonly item: FitItem;
  readonly overhead: number;
  /** Tokens of the original text; a lower bound when !exact (0 until counted). */
  before: number;
  exact: boolean;
  counted: boolean;
  status: 'kept' | 'truncated' | 'dropped';
  text: string;
  after: number;
  reason: string | undefined;
  removed: CutResult['removed'] | undefined;
  /** The cut to `item.maxTokens`, computed once; null when no such cut exists. */
  capped: CutResult | null | undefined;
  /** Tokens of the rendered marker, for an item with `render` (counted on first use). */
  renderedMarkerTokens: number | undefined;
}

/** Items kept or dropped together: a group, or a single ungrouped item. */
interface Unit {
  readonly members: Work[];
  readonly priority: number;
  /** Lowest member rank: a unit is as evictable as its least trusted member. */
  readonly rank: number;
  readonly pinned: boolean;
  readonly first: number;
}

interface Run {
  readonly counter: CountingTokenizer;
  readonly options: NormalizedFitOptions;
  readonly markerTokens: number;
  /** Whether pinned members may be cut (onOverflow: 'truncate-pinned' after an overflow). */
  cutPinned: boolean;
  cacheHits: number;
}

/**
 * Fits blocks into a token budget: pinned items first, then units (groups or
 * single items) by descending priority, then descending `rank`, ties in input order. Each unit is
 * kept whole if it fits; the first one that does not is truncated to fill
 * what is left (if its strategy and `minTokens` allow) or dropped, and every
 * lower-priority unit is dropped. So a lower-priority block is never kept
 * while a higher-priority one is dropped, and the kept set is monotone in
 * the budget.
 *
 * Invariant (docs/design.md #4): unless an overflow is reported with
 * `onOverflow: 'report'`, `measure(kept) <= maxTokens - reserveOutput`, or
 * without `measure`, baseTokens + Σ(overheadTokens + tokensAfter) does. Every
 * cut text is counted exactly; cuts fall on grapheme boundaries.
 *
 * @example
 * const { items, report } = fit(
 *   [
 *     { id: 'sys', text: 'You are terse.', priority: 100, pinned: true, truncate: 'none' },
 *     { id: 'doc', text: longDocument, priority: 10, truncate: 'tail' },
 *   ],
 *   { tokenizer: createTokenizer('o200k_base'), maxTokens: 8000, reserveOutput: 1000 },
 * );
 */
export function fit(items: readonly FitItem[], options: FitOptions): FitResult {
  const normalized = validateFitInput(items, options);
  const counter = createCountingTokenizer(options.tokenizer);
  const run: Run = {
    counter,
    options: normalized,
    markerTokens: normalized.marker === '' ? 0 : counter.count(normalized.marker),
    cutPinned: false,
    cacheHits: 0,
  };
  // Items are counted when the priority scan reaches them: units dropped below
  // the point where the budget ran out are never tokenized (unless countDropped).
  const works = items.map((item, index) => createWork(item, index));
  const units = buildUnits(works);
  const pinned = units.filter((u) => u.pinned).sort(byPriority);
  const others = units.filter((u) => !u.pinned).sort(byPriority);
  const available = normalized.budget - normalized.baseTokens;

  let shortfall = selectPinned(run, pinned, others, available);
  if (shortfall === 0) selectOthers(run, others, available - usedBy(pinned));

  let measureCalls = 0;
  let used = normalized.baseTokens + usedBy(units);
  if (options.measure !== undefined) {
    const measure = options.measure;
    const measureNow = (): number => {
      measureCalls++;
      return measure(works.filter((w) => w.status !== 'dropped').map(toResult));
    };
    used = measureNow();
    if (used > normalized.budget && shortfall === 0) {
      used = fixUp(run, [...pinned, ...others].reverse(), used, measureNow);
      if (used > normalized.budget) {
        if (normalized.onOverflow !== 'report') throw overflowError(pinned, normalized.budget, used);
        shortfall = used - normalized.budget;
      }
    }
  }
  if (options.countDropped === true) for (const w of works) ensureCounted(run, w);
  return {
    items: works.map(toResult),
    report: buildReport(run, works, used, shortfall, run.cacheHits, measureCalls),
  };
}

function byPriority(a: Unit, b: Unit): number {
  return b.priority - a.priority || b.rank - a.rank || a.first - b.first;
}

function createWork(item: FitItem, index: number): Work {
  return {
    index,
    item,
    overhead: item.overheadTokens ?? 0,
    before: 0,
    exact: false,
    counted: false,
    status: 'dropped',
    text: '',
    after: 0,
    reason: undefined,
    removed: undefined,
    capped: undefined,
    renderedMarkerTokens: undefined,
  };
}

/** `item.render(text)`, checked: a renderer returning a non-string is bad input, not a crash later. */
function renderOf(w: Work, text: string): string {
  const rendered = (w.item.render as (text: string) => string)(text);
  if (typeof rendered !== 'string') {
    invalidInput(['items', w.index, 'render'], rendered, 'a render(text) function that returns a string');
  }
  return rendered;
}

/** Tokens of the truncation marker as this item sends it. */
function markerTokensOf(run: Run, w: Work): number {
  if (w.item.render === undefined) return run.markerTokens;
  w.renderedMarkerTokens ??=
    run.options.marker === '' ? 0 : run.counter.count(renderOf(w, run.options.marker));
  return w.renderedMarkerTokens;
}

function ensureCounted(run: Run, w: Work): void {
  if (w.counted) return;
  w.counted = true;
  const { counter } = run;
  const { item } = w;
  // Pinned items are counted exactly; others only until they exceed the whole budget (lazy on huge texts).
  const limit = item.pinned === true ? Infinity : run.options.budget;
  // A rendered item's count is of its rendered text: cached apart from raw
  // counts under the same key, guarded by the rendered length.
  const text = item.render === undefined ? item.text : renderOf(w, item.text);
  const key =
    item.cacheKey === undefined || item.render === undefined ? item.cacheKey : `\0rendered\0${item.cacheKey}`;
  const cache = key === undefined ? undefined : countCacheFor(counter.tokenizer);
  const hit = key === undefined ? undefined : cache?.get(key);
  if (hit !== undefined && hit.length === text.length && (hit.exact || hit.tokens > limit)) {
    w.before = hit.tokens;
    w.exact = hit.exact;
    run.cacheHits++;
    return;
  }
  counter.calls++;
  w.before = counter.ops.countUpTo(text, limit);
  w.exact = w.before <= limit;
  if (key !== undefined) {
    cache?.set(key, { length: text.length, tokens: w.before, exact: w.exact });
  }
}

function buildUnits(works: Work[]): Unit[] {
  const groups = new Map<string, Work[]>();
  const lists: Work[][] = [];
  for (const w of works) {
    const g = w.item.group;
    if (g === undefined) lists.push([w]);
    else {
      const list = groups.get(g);
      if (list === undefined) {
        const fresh = [w];
        groups.set(g, fresh);
        lists.push(fresh);
      } else list.push(w);
    }
  }
  return lists.map((members) => {
    // A loop, not Math.max(...members): a group may hold more items than a call can take arguments.
    let priority = -Infinity;
    let rank = Infinity;
    for (const m of members) {
      priority = Math.max(priority, m.item.priority);
      rank = Math.min(rank, m.item.rank ?? 0);
    }
    return {
      members: [...members].sort(
        (a, b) =>
          b.item.priority - a.item.priority || (b.item.rank ?? 0) - (a.item.rank ?? 0) || a.index - b.index,
      ),
      priority,
      rank,
      pinned: members.some((m) => m.item.pinned === true),
      first: (members[0] as Work).index,
    };
  });
}

function usedBy(units: readonly Unit[]): number {
  let sum = 0;
  for (const u of units) for (const m of u.members) if (m.status !== 'dropped') sum += m.overhead + m.after;
  return sum;
}

function isFixed(run: Run, w: Work): boolean {
  return w.item.truncate === 'none' || (w.item.pinned === true && !run.cutPinned);
}

function minAllowance(run: Run, w: Work): number {
  return (w.item.minTokens ?? 1) + markerTokensOf(run, w);
}

/** Cost (framing included) of keeping `w` as large as its cap allows; Infinity if it cannot be kept. */
function fullCost(run: Run, w: Work): number {
  ensureCounted(run, w);
  const cap = w.item.maxTokens;
  if (cap === undefined || w.before <= cap || (w.item.pinned === true && !run.cutPinned)) {
    return w.overhead + w.before;
  }
  if (w.item.truncate === 'none') return Infinity;
  if (w.capped === undefined) w.capped = cut(run, w, cap) ?? null;
  return w.capped === null ? Infinity : w.overhead + w.capped.tokens;
}

/** Smallest cost of keeping `w`: whole if fixed, else cut to its minimum allowance. */
function minCost(run: Run, w: Work): number {
  const full = fullCost(run, w);
  // Infinity: its cap admits no cut keeping minTokens, so it cannot be kept at all.
  if (isFixed(run, w) || full === Infinity) return full;
  return Math.min(full, w.overhead + minAllowance(run, w));
}

function cut(run: Run, w: Work, allowance: number): CutResult | undefined {
  const strategy = w.item.truncate;
  if (strategy === 'none') return undefined;
  const { counter, options } = run;
  const markerTokens = markerTokensOf(run, w);
  if (w.item.render !== undefined) {
    const render = (text: string): string => renderOf(w, text);
    const { text } = w.item;
    return cutRendered(
      counter,
      text,
      strategy,
      allowance,
      options.marker,
      markerTokens,
      w.item.minTokens ?? 1,
      render,
    );
  }
  return cutText(
    counter,
    w.item.text,
    strategy,
    allowance,
    options.marker,
    markerTokens,
    w.item.minTokens ?? 1,
  );
}

function keepWhole(w: Work): void {
  if (w.capped) {
    setCut(w, w.capped, 'truncated to its maxTokens');
    return;
  }
  w.status = 'kept';
  w.text = w.item.text;
  w.after = w.before;
  w.reason = undefined;
  w.removed = undefined;
}

function setCut(w: Work, result: CutResult, reason: string): void {
  w.status = 'truncated';
  w.text = result.text;
  w.after = result.tokens;
  w.reason = reason;
  w.removed = result.removed;
}

function drop(unit: Unit, reason: string): void {
  for (const w of unit.members) {
    w.status = 'dropped';
    w.text = '';
    w.after = 0;
    w.reason = reason;
    w.removed = undefined;
  }
}

/**
 * Keeps every member of `unit` within `allowance` tokens: members at their
 * minimum first, then the spare tokens go to members in priority order, each
 * kept whole if it fits or cut to fill. False if the unit cannot fit.
 */
function fillUnit(run: Run, unit: Unit, allowance: number): boolean {
  const mins = unit.members.map((w) => minCost(run, w));
  let spare = allowance - mins.reduce((a, b) => a + b, 0);
  if (!(spare >= 0)) return false;
  for (const [i, w] of unit.members.entries()) {
    const min = mins[i] as number;
    const full = fullCost(run, w);
    if (full <= min + spare) {
      keepWhole(w);
      spare -= full - min;
      continue;
    }
    const result = cut(run, w, min + spare - w.overhead);
    if (result === undefined) return false;
    setCut(
      w,
      result,
      w.item.pinned === true ? 'pinned, cut to fit (onOverflow: truncate-pinned)' : 'cut to fit the budget',
    );
    spare -= w.overhead + result.tokens - min;
  }
  return true;
}

/** Fits the pinned units; returns the shortfall (0 when they fit). Drops the others on overflow. */
function selectPinned(run: Run, pinned: Unit[], others: Unit[], available: number): number {
  const mins = pinned.map((u) => u.members.reduce((s, w) => s + minCost(run, w), 0));
  let needed = mins.reduce((a, b) => a + b, 0);
  const { onOverflow, budget, baseTokens } = run.options;
  if (needed > available) {
    if (onOverflow === 'error') throw overflowError(pinned, budget, baseTokens + needed);
    if (onOverflow === 'report') {
      for (const u of pinned)
        fillUnit(
          run,
          u,
          u.members.reduce((s, w) => s + minCost(run, w), 0),
        );
      for (const u of others) drop(u, 'no budget left: pinned items exceed it');
      return baseTokens + needed - budget;
    }
    run.cutPinned = true;
    const cutMins = pinned.map((u) => u.members.reduce((s, w) => s + minCost(run, w), 0));
    if (cutMins.reduce((a, b) => a + b, 0) > available) {
      throw overflowError(pinned, budget, baseTokens + cutMins.reduce((a, b) => a + b, 0));
    }
    mins.splice(0, mins.length, ...cutMins);
    needed = cutMins.reduce((a, b) => a + b, 0);
    for (const u of others) drop(u, 'no budget left: pinned items had to be cut');
  }
  let remaining = available;
  for (const [i, u] of pinned.entries()) {
    needed -= mins[i] as number;
    const before = usedBy([u]);
    // The unit could not be fitted into what was left (a cut cannot reach its minimum at a grapheme
    // boundary): it needs at least one token more than the whole budget offered.
    if (!fillUnit(run, u, remaining - needed))
      throw overflowError(pinned, budget, baseTokens + available + 1);
    remaining -= usedBy([u]) - before;
  }
  return 0;
}

function selectOthers(run: Run, others: Unit[], available: number): void {
  let remaining = available;
  let stop: string | undefined;
  for (const u of others) {
    if (stop !== undefined) {
      drop(u, stop);
      continue;
    }
    const full = u.members.reduce((s, w) => s + fullCost(run, w), 0);
    if (full <= remaining) {
      for (const w of u.members) keepWhole(w);
      remaining -= full;
      continue;
    }
    if (fillUnit(run, u, remaining)) {
      remaining -= usedBy([u]);
      stop = 'lower priority than a block cut to fit';
    } else {
      drop(
        u,
        u.members.length > 1 ? `group ${u.members[0]?.item.group} does not fit` : 'does not fit the budget',
      );
      stop = 'lower priority than a block that did not fit';
    }
  }
}

/**
 * The rendered request measured over budget (joined text merged differently
 * than its parts): trim the lowest-priority cut-able kept item by the excess,
 * or drop the lowest-priority unit, and measure again — bounded.
 */
function fixUp(run: Run, lowestFirst: Unit[], measured: number, measure: () => number): number {
  const { budget } = run.options;
  let used = measured;
  for (let round = 1; used > budget && round < BUDGET_LIMITS.maxMeasureCalls - 1; round++) {
    const excess = used - budget;
    if (!shrinkOne(run, lowestFirst, excess + round - 1)) break;
    used = measure();
  }
  if (used > budget && lowestFirst.some((u) => !u.pinned && u.members.some((w) => w.status !== 'dropped'))) {
    for (const u of lowestFirst) if (!u.pinned) drop(u, 'removed so the measured request fits');
    used = measure();
  }
  return used;
}

function shrinkOne(run: Run, lowestFirst: Unit[], excess: number): boolean {
  for (const u of lowestFirst) {
    const live = u.members.filter((w) => w.status !== 'dropped');
    if (live.length === 0) continue;
    for (const w of [...live].reverse()) {
      if (isFixed(run, w) || w.after - excess < minAllowance(run, w)) continue;
      const result = cut(run, w, w.after - excess);
      if (result !== undefined) {
        setCut(w, result, 'cut further so the measured request fits');
        return true;
      }
    }
    if (!u.pinned) {
      drop(u, 'removed so the measured request fits');
      return true;
    }
  }
  return false;
}

function overflowError(pinned: Unit[], budget: number, need: number): BudgetExceededError {
  const pinnedIds = pinned.flatMap((u) =>
    u.members.filter((w) => w.item.pinned === true).map((w) => w.item.id),
  );
  return new BudgetExceededError({ pinnedIds, budget, need });
}

function toResult(w: Work): FitItemResult {
  const result: FitItemResult = {
    id: w.item.id,
    text: w.text,
    status: w.status,
    tokensBefore: w.before,
    tokensAfter: w.after,
  };
  if (w.reason !== undefined) result.reason = w.reason;
  if (w.removed !== undefined) result.removed = w.removed;
  if (!w.exact) result.countedPartially = true;
  return result;
}

function buildReport(
  run: Run,
  works: Work[],
  used: number,
  shortfall: number,
  cacheHits: number,
  measureCalls: number,
): BudgetReport {
  const { options, counter } = run;
  const totals = {
    items: works.length,
    kept: 0,
    truncated: 0,
    dropped: 0,
    tokensBefore: 0,
    tokensAfter: 0,
    overheadTokens: 0,
  };
  for (const w of works) {
    totals[w.status]++;
    totals.tokensBefore += w.before;
    if (w.status !== 'dropped') {
      totals.tokensAfter += w.after;
      totals.overheadTokens += w.overhead;
    }
  }
  return {
    encoding: counter.tokenizer.encoding,
    maxTokens: options.budget + options.reserveOutput,
    reserveOutput: options.reserveOutput,
    baseTokens: options.baseTokens,
    budget: options.budget,
    used,
    measured: measureCalls > 0,
    shortfall,
    totals,
    items: works.map((w) => {
      const { id, status, tokensBefore, tokensAfter, reason, countedPartially } = toResult(w);
      const row = { id, status, tokensBefore, tokensAfter, overheadTokens: w.overhead };
      return {
        ...row,
        ...(reason === undefined ? {} : { reason }),
        ...(countedPartially === undefined ? {} : { countedPartially }),
      };
    }),
    tokenizerCalls: counter.calls,
    cacheHits,
    measureCalls,
  };
}
