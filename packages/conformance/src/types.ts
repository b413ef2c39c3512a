/** One suite of the corpus: reads its files from `corpusDir`, returns per-case outcomes. */
export interface CaseResult { id: string; status: 'passed' | 'failed' | 'skipped'; reason?: string }
export interface Suite {
  name: string;
  run(corpusDir: string, opts: { verbose: boolean }): Promise<CaseResult[]>;
}
