/**
 * "did you mean X?" hints as BuildKit's `suggest` package gives them: the closest candidate by
 * Levenshtein distance, if it is close enough for the word's length.
 */
function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

export function suggest(word: string, candidates: Iterable<string>, caseSensitive = false): string | undefined {
  if (word === '' || word.length > 256) return undefined;
  const w = caseSensitive ? word : word.toLowerCase();
  const max = w.length < 5 ? 1 : w.length > 10 ? 3 : 2;
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = levenshtein(w, caseSensitive ? c : c.toLowerCase());
    if (d <= max && d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

/** `msg (did you mean X?)` when a suggestion exists. */
export const withSuggestion = (msg: string, word: string, candidates: Iterable<string>): string => {
  const s = suggest(word, candidates);
  return s === undefined ? msg : `${msg} (did you mean ${s}?)`;
};

/**
 * BuildKit's util/suggest.Search (the lint rules' "did you mean"): the closest option at a
 * Levenshtein distance under 3, whatever the word's length; an exact match means no suggestion.
 */
export function searchSuggest(word: string, options: Iterable<string>, caseSensitive: boolean): string | undefined {
  const w = caseSensitive ? word : word.toLowerCase();
  let match: string | undefined;
  let min = 3;
  for (const o of options) {
    const opt = caseSensitive ? o : o.toLowerCase();
    if (opt === w) return undefined;
    const d = levenshtein(w, opt);
    if (d < min) {
      match = o;
      min = d;
    }
  }
  return match;
}
