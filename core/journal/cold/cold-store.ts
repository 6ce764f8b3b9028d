/**
 * The cold tier's file port. core/ does no file I/O of its own (eslint boundary), so the journal
 * takes a store of named, immutable files: adapters/journal/fs-cold-store.ts on disk
 * (`<dataDir>/journal/cold/`), memory-cold-store.ts for memory journals and tests.
 */
export interface ColdFileStore {
  /** Where the files live, for messages (a directory path, or "memory"). */
  readonly location: string;
  /** Every file name present, temp files (TEMP_SUFFIX) included, in no particular order. */
  list(): Promise<string[]>;
  /**
   * Writes `name` durably and atomically: `name + TEMP_SUFFIX` first, fsync, rename, fsync of the
   * directory. `onStep` is called after the fsynced temp file exists and after the rename (crash
   * tests kill the process there). Returns the file's size in bytes.
   */
  write(name: string, chunks: AsyncIterable<Buffer>, onStep?: (step: 'temp-synced' | 'renamed') => void | Promise<void>): Promise<number>;
  /** Up to `length` bytes at `offset` (fewer only at the end). Throws SMOL_COLD_FILE_CORRUPT when the file is missing. */
  read(name: string, offset: number, length: number): Promise<Buffer>;
  /** The whole file as a stream of chunks. Throws SMOL_COLD_FILE_CORRUPT when the file is missing. */
  stream(name: string): AsyncIterable<Buffer>;
  /** The file's size, or undefined when it does not exist. */
  size(name: string): Promise<number | undefined>;
  /** Unlinks the file (missing is fine) and fsyncs the directory. */
  remove(name: string): Promise<void>;
}

/** A file being written; one present at open is a move that crashed before its rename. */
export const TEMP_SUFFIX = '.tmp';
