/** Pure ranking helpers for hybrid recall: word overlap for the text side, reciprocal rank fusion to merge. */

const STOP = new Set('a an and are as at be by for from has have how i in is it its of on or the this to was what when where which who why with you your'.split(' '));

/** Lowercased words of a query, without stop words (all words if that leaves none). */
export function queryWords(text: string): string[] {
  const words = text.toLowerCase().normalize('NFKC').match(/[\p{L}\p{N}_.]+/gu) ?? [];
  const kept = words.filter((w) => !STOP.has(w) && w.length > 1);
  return [...new Set(kept.length ? kept : words)];
}

/** Share of the query words found in `text` (a word matches as a prefix of a text word, so "temp" finds "temperature"). */
export function wordScore(words: readonly string[], text: string): number {
  if (words.length === 0) return 0;
  const have = text.toLowerCase().normalize('NFKC').match(/[\p{L}\p{N}_.]+/gu) ?? [];
  let hit = 0;
  for (const w of words) if (have.some((h) => h.startsWith(w))) hit += 1;
  return hit / words.length;
}

/** Reciprocal rank fusion (Cormack et al.): each list adds 1 / (k + rank) to an id's score. */
export function fuse(lists: ReadonlyArray<readonly string[]>, k = 60): Map<string, number> {
  const scores = new Map<string, number>();
  for (const list of lists) list.forEach((id, rank) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + rank + 1)));
  return scores;
}
