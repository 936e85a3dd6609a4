/**
 * Sees every change the store makes to the files of its data directory, as it is made, so the
 * changes can be repeated elsewhere (a replica's data directory) and come out byte-identical.
 * Paths are relative to the data directory, with '/' separators ("msgs/0000000001.seg").
 *
 * The store calls it synchronously from its write paths; a store without a tap (the default)
 * pays one null check per write batch. `data` passed to `append` is only valid during the call
 * (the store reuses its batch buffer): a tap that keeps it must copy it.
 */
export interface StoreTap {
  /** `data` was written at `offset` of `path` (the file is created if it does not exist). */
  append(path: string, offset: number, data: Buffer): void;
  /** `path` was cut (or extended with zeros) to `size` bytes; created empty if it did not exist. */
  truncate(path: string, size: number): void;
  /** `from` was renamed over `to`. */
  rename(from: string, to: string): void;
  /** `path` was deleted. */
  remove(path: string): void;
  /**
   * Calls `done` once every change tapped so far is durable wherever the tap sends it (for
   * replication: acknowledged by every in-sync replica). The store calls it only after its own
   * fdatasync, so publisher confirms wait for both.
   */
  whenReplicated(done: (err?: Error) => void): void;
}

/** The same tap, for a store that lives in a subdirectory (`dir`) of the data directory. */
export function tapUnder(tap: StoreTap, dir: string): StoreTap {
  const p = (path: string) => `${dir}/${path}`;
  return {
    append: (path, offset, data) => tap.append(p(path), offset, data),
    truncate: (path, size) => tap.truncate(p(path), size),
    rename: (from, to) => tap.rename(p(from), p(to)),
    remove: (path) => tap.remove(p(path)),
    whenReplicated: (done) => tap.whenReplicated(done),
  };
}
