import { ErrorCodes, isSmolError } from '../errors.js';
import type { Embedder, Embeddings } from './embeddings-port.js';

export interface FallbackEmbedderOptions {
  /** After the primary fails, use the fallback for this long before trying the primary again (ms). */
  readonly coolDownMs?: number;
  readonly now?: () => number;
  readonly onFallback?: (err: unknown) => void;
}

/**
 * The primary embedder (a model server) while it answers; the offline one when it does not.
 * Every result names the model that made it, so the vector index files it under that model and
 * nothing pretends to be what it is not. Programmer errors (non-SmolError) are not swallowed.
 */
export class FallbackEmbedder implements Embedder {
  private downUntil = 0;

  constructor(
    readonly primary: Embedder,
    readonly fallback: Embedder,
    private readonly options: FallbackEmbedderOptions = {},
  ) {}

  get model(): string {
    return this.usingFallback() ? this.fallback.model : this.primary.model;
  }

  /** True while the primary is considered down. */
  usingFallback(): boolean {
    return (this.options.now ?? Date.now)() < this.downUntil;
  }

  async embed(texts: readonly string[]): Promise<Embeddings> {
    if (!this.usingFallback()) {
      try {
        return await this.primary.embed(texts);
      } catch (err) {
        // The caller's input, not the primary, is at fault: the fallback would refuse it too.
        if (!isSmolError(err) || err.code === ErrorCodes.EMBEDDING_INPUT_EMPTY) throw err;
        this.downUntil = (this.options.now ?? Date.now)() + (this.options.coolDownMs ?? 60_000);
        this.options.onFallback?.(err);
      }
    }
    return this.fallback.embed(texts);
  }

  /** Embedders that can embed a query for an index of `model`. */
  forModel(model: string): Embedder | undefined {
    if (model === this.fallback.model) return this.fallback;
    if (model === this.primary.model) return this.primary;
    return undefined;
  }
}
