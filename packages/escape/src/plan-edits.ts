import type { Analysis, RangeHit } from './analyze-text.js';
import { classOf, formatCodePoint } from './finding.js';
import type { Edit } from './offset-map.js';
import type { PolicyActions } from './policy.js';
import { neutralizeDelimiters } from './special-tokens.js';

// Turns what one pass found into the edits the policy asks for: range edits
// (tokens, secrets) merged where they overlap, and invisible edits outside
// them.

/** `⟦U+XXXX⟧` for each code point of `text[start, end)` (the `visible` action). */
function visibleForm(text: string, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; ) {
    const cp = text.codePointAt(i)!;
    out += `⟦${formatCodePoint(cp)}⟧`;
    i += cp > 0xffff ? 2 : 1;
  }
  return out;
}

/** The action a range finding's class takes, or undefined when it does not edit text. */
function editAction(r: RangeHit, actions: PolicyActions): 'neutralize' | 'redact' | 'strip' | undefined {
  const action = actions[classOf(r.finding.kind)] as string;
  return action === 'neutralize' || action === 'redact' || action === 'strip' ? action : undefined;
}

/** Overlapping secrets of a group (sorted by view start) merged into redaction segments. */
function secretSegments(byView: readonly RangeHit[]): { start: number; end: number; text: string }[] {
  const segments: { start: number; end: number; text: string }[] = [];
  for (const r of byView) {
    if (classOf(r.finding.kind) !== 'secrets') continue;
    const last = segments[segments.length - 1];
    if (last !== undefined && r.viewStart < last.end) last.end = Math.max(last.end, r.viewEnd);
    else segments.push({ start: r.viewStart, end: r.viewEnd, text: r.replacement });
  }
  return segments;
}

/**
 * One replacement for a group of overlapping range edits (e.g. a secret inside
 * a special token). Dropping one of them, as a first-wins merge would, leaves
 * it for the next `sanitize` to find: not idempotent. Instead secrets are
 * redacted (overlapping secrets as one), and the rest of the group is
 * neutralized (or stripped) character-wise.
 */
function composeReplacement(group: readonly RangeHit[], actions: PolicyActions): string {
  const only = group[0]!;
  if (group.length === 1) return editAction(only, actions) === 'strip' ? '' : only.replacement;
  if (group.some((r) => r.view !== only.view)) return only.replacement;
  const byView = [...group].sort((x, y) => x.viewStart - y.viewStart);
  const others = byView.filter((r) => classOf(r.finding.kind) !== 'secrets');
  let out = '';
  const gap = (s: number, e: number): void => {
    if (s >= e) return;
    const exact = others.find((r) => r.viewStart === s && r.viewEnd === e);
    if (exact !== undefined) {
      out += editAction(exact, actions) === 'strip' ? '' : exact.replacement;
      return;
    }
    const strip = others.some((r) => r.viewStart < e && r.viewEnd > s && editAction(r, actions) === 'strip');
    out += strip ? '' : neutralizeDelimiters(only.view.slice(s, e));
  };
  let p = byView[0]!.viewStart;
  let end = p;
  for (const r of byView) end = Math.max(end, r.viewEnd);
  for (const seg of secretSegments(byView)) {
    gap(p, seg.start);
    out += seg.text;
    p = Math.max(p, seg.end);
  }
  gap(p, end);
  return out;
}

/** Range hits that edit under `actions`, grouped where they overlap, as one edit per group. */
function mergeRangeEdits(ranges: readonly RangeHit[], actions: PolicyActions): Edit[] {
  const active = ranges
    .filter((r) => editAction(r, actions) !== undefined)
    .sort((x, y) => x.finding.start - y.finding.start || y.finding.end - x.finding.end);
  const merged: Edit[] = [];
  for (let k = 0; k < active.length; ) {
    const group = [active[k]!];
    let end = active[k]!.finding.end;
    for (k++; k < active.length && active[k]!.finding.start < end; k++) {
      group.push(active[k]!);
      end = Math.max(end, active[k]!.finding.end);
    }
    merged.push({ start: group[0]!.finding.start, end, text: composeReplacement(group, actions) });
  }
  return merged;
}

/** Builds the output edits of one pass; range edits win over the invisible edits inside them. */
export function planEdits(text: string, a: Analysis, actions: PolicyActions): Edit[] {
  const merged = mergeRangeEdits(a.ranges, actions);
  const edits: Edit[] = [];
  let k = 0;
  for (const h of a.invisible) {
    const action = actions[classOf(h.kind)];
    while (k < merged.length && merged[k]!.end <= h.start) edits.push(merged[k++]!);
    const cover = merged[k];
    if (cover !== undefined && cover.start <= h.start && h.end <= cover.end) continue;
    if (action === 'strip') edits.push({ start: h.start, end: h.end, text: h.strip });
    else if (action === 'visible')
      edits.push({ start: h.start, end: h.end, text: visibleForm(text, h.start, h.end) });
  }
  while (k < merged.length) edits.push(merged[k++]!);
  return edits;
}
