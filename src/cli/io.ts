import type { Readable } from 'node:stream';

/** Everything a command may touch of the process, passed in so commands run in-process in tests. */
export interface Io {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdin: Readable;
  stdout: TextSink;
  stderr: TextSink;
  isTTY: boolean;
  /** Lets a long-running command (admission serve) be stopped by the caller. */
  signal?: AbortSignal;
}

export interface TextSink {
  write(chunk: string): unknown;
}

/** A sink that keeps what was written, for tests and for capturing a sub-command's output. */
export class StringSink implements TextSink {
  private parts: string[] = [];
  write(chunk: string): boolean {
    this.parts.push(chunk);
    return true;
  }
  text(): string {
    return this.parts.join('');
  }
}
