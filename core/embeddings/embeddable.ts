import { ErrorCodes, SmolError } from '../errors.js';

/**
 * A text is embeddable when it holds a letter or a digit (after NFKC). Punctuation, spaces and
 * control characters alone carry nothing a search could match: the offline embedder cannot embed
 * them at all, and a model server would return a vector that means nothing. Refusing them the
 * same way whichever embedder answers keeps the rule predictable for callers.
 */
export function isEmbeddable(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text.normalize('NFKC'));
}

/**
 * Throws SMOL_EMBEDDING_INPUT_EMPTY (the caller's mistake, not the embedder failing) when a text
 * has nothing to embed; `param` names the input in the message and details (e.g. `input[2]`).
 */
export function assertEmbeddable(texts: readonly string[], param = 'input'): void {
  texts.forEach((text, i) => {
    if (isEmbeddable(text)) return;
    const where = texts.length === 1 ? param : `${param}[${i}]`;
    throw new SmolError(ErrorCodes.EMBEDDING_INPUT_EMPTY, `${where}: nothing to embed (no letter or digit in ${JSON.stringify(text.slice(0, 40))})`, { details: { param: where } });
  });
}
