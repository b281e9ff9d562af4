/**
 * What one spec load looked at on disk. The loaded project (and the DAG built from it) depends
 * on nothing else: the text of the files it read, the universe files it found in each
 * directory it listed, and whether each input path it probed existed. The project snapshot
 * (engine/dag/snapshot.ts) is valid exactly while all of this is unchanged.
 */
export class SpecDeps {
  /** Absolute paths of the files read, in reading order. */
  readonly files: string[] = [];
  /** Directory -> the universe files found there (absolute, sorted). */
  readonly listings = new Map<string, string[]>();
  /** Absolute path -> whether it existed when probed. */
  readonly probes = new Map<string, boolean>();

  read(file: string): void {
    this.files.push(file);
  }

  listed(dir: string, files: string[]): void {
    this.listings.set(dir, files);
  }

  probed(path: string, exists: boolean): void {
    this.probes.set(path, exists);
  }
}
