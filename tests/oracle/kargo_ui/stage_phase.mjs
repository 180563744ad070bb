// The Kargo UI's stage phase as a line-oriented oracle: one Stage (JSON) per line on stdin, one
// {"phase": ...} per line on stdout, computed by Kargo's own getStagePhase (transpiled next to this file by
// scripts/build-kargo-oracle.sh). A line that is not JSON gets {"error": ...}.
import { createInterface } from 'node:readline';
import { getStagePhase } from './kargo-ui-utils.mjs';

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let answer;
  try {
    answer = { phase: getStagePhase(JSON.parse(line)) };
  } catch (error) {
    answer = { error: String(error) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
}
