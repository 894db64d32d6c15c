/** One measured figure, printed by bench/run.ts and recorded in docs/benchmarks.md. */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
}

/** Cleanup registration, shaped like node:test's TestContext.after so test support can be reused. */
export interface BenchScope {
  after(fn: () => unknown): void;
}
