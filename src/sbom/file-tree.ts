/**
 * The one input the SBOM generator reads: a tree of files, from a directory today and from an image's
 * merged layers (src/archive/layer-walk.ts) through an adapter. Catalogers never see the tree, only the
 * bytes of the files they asked for, so the same catalogers serve both sources.
 */

/** A regular file the tree offers, before its bytes are read. */
export interface FileCandidate {
  /** Slash-separated path relative to the tree root, no leading `/`, never containing `..`. */
  path: string;
  size: number;
  /** Unix permission bits (0o755...), when the source knows them; used to pick executables. */
  mode?: number;
}

/** A selected file with its bytes, and the layer digest it came from when the tree is an image. */
export interface TreeFile extends FileCandidate {
  bytes: Uint8Array;
  layer?: string;
}

/** Warnings are values: a scan goes on past an unreadable directory and says so. */
export interface TreeWarning {
  path: string;
  message: string;
}

export interface FileTree {
  /** What a person would call the source, e.g. `dir:/src/app` or `registry:host/app@sha256:...`. */
  readonly description: string;
  /**
   * True when the user named one file (`vouch sbom prod.lock`): if no cataloger knows it by name, its
   * content decides which one reads it.
   */
  readonly singleFile?: boolean;
  /**
   * True when `files` may be called again cheaply (a directory on disk). An image tree is read once:
   * a second pass would stream every layer again, so files a cataloger asks for after the walk
   * (`wants`) are only those the walk already read.
   */
  readonly rereadable?: boolean;
  /**
   * Yields the files `want` selects, with their bytes read (bounded by `maxBytes`; a larger selected file
   * is reported through `onWarning` and skipped, never truncated). The tree calls `want` once per regular
   * file; an image tree honours whiteouts before asking, so a deleted file is never offered.
   */
  files(
    want: (candidate: FileCandidate) => boolean,
    opts: { maxBytes: number; onWarning: (w: TreeWarning) => void },
  ): AsyncIterable<TreeFile>;
}

/** What the image adapter adds: the image the SBOM describes (for `metadata.component`). */
export interface ImageIdentity {
  name: string;
  digest: string;
}
