import { SmolError, ErrorCodes } from '../../errors.js';
import { TEMP_SUFFIX, type ColdFileStore } from './cold-store.js';

/** Cold files in memory, for memory journals and tests (same contract as the file store). */
export class MemoryColdStore implements ColdFileStore {
  readonly location = 'memory';
  readonly files = new Map<string, Buffer>();

  async list(): Promise<string[]> {
    return [...this.files.keys()];
  }

  async write(name: string, chunks: AsyncIterable<Buffer>, onStep?: (step: 'temp-synced' | 'renamed') => void | Promise<void>): Promise<number> {
    const parts: Buffer[] = [];
    for await (const c of chunks) parts.push(c);
    const bytes = Buffer.concat(parts);
    this.files.set(name + TEMP_SUFFIX, bytes);
    await onStep?.('temp-synced');
    this.files.delete(name + TEMP_SUFFIX);
    this.files.set(name, bytes);
    await onStep?.('renamed');
    return bytes.length;
  }

  async read(name: string, offset: number, length: number): Promise<Buffer> {
    return this.file(name).subarray(offset, offset + length);
  }

  async *stream(name: string): AsyncIterable<Buffer> {
    const f = this.file(name);
    for (let o = 0; o < f.length; o += 64 << 10) yield f.subarray(o, o + (64 << 10));
  }

  async size(name: string): Promise<number | undefined> {
    return this.files.get(name)?.length;
  }

  async remove(name: string): Promise<void> {
    this.files.delete(name);
  }

  private file(name: string): Buffer {
    const f = this.files.get(name);
    if (!f) throw new SmolError(ErrorCodes.COLD_FILE_CORRUPT, `cold file ${name} is missing`, { details: { file: name } });
    return f;
  }
}
