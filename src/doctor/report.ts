// The shape of doctor's findings: one line per check, with the fix when something is wrong.

/** ok: fine; warn: works but worth knowing; fail: alerts will not arrive until fixed; info: a hint. */
export type Verdict = 'ok' | 'warn' | 'fail' | 'info';

/** One checked fact, said so a person can act on it. */
export interface Finding {
  verdict: Verdict;
  /** What was checked and what was found, one line. */
  text: string;
  /** What to do, when something is wrong. */
  fix?: string;
}

const MARK: Record<Verdict, string> = { ok: '✓', warn: '!', fail: '✗', info: 'i' };

/** Formats a finding as doctor prints it. */
export function formatFinding(finding: Finding): string[] {
  const lines = [`${MARK[finding.verdict]} ${finding.text}`];
  if (finding.fix) lines.push(`    → ${finding.fix}`);
  return lines;
}
