// A Python peer for the benchmarks: one long-lived /usr/bin/python3 that answers one line of
// output per line of input. nidkit's and the peer's runs then alternate, so bursts of load on this
// shared machine fall on both sides instead of on whichever side ran second.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Pause after each answer of the peer (see `ask`). */
const SETTLE_MS = 300;

/**
 * Starts `program` (Python source that prints `ready` once set up, then one line per input line).
 * @returns `{ ask(line) → Promise<string>, stop() }`, or null (with the reason printed) when the
 *   peer cannot start, e.g. numpy or scipy is missing
 */
export async function startPeer(program, args = []) {
  const child = spawn('/usr/bin/python3', ['-c', program, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => (await lines.next()).value;
  const first = await new Promise((resolve) => {
    child.on('error', () => resolve(undefined));
    next().then(resolve, () => resolve(undefined));
  });
  if (first !== 'ready') {
    const why = err.trim().split('\n').pop() || 'no /usr/bin/python3';
    console.log(`Python peer unavailable (${why}); timing nidkit only`);
    child.kill();
    return null;
  }
  return {
    async ask(line) {
      child.stdin.write(`${line}\n`);
      const out = await next();
      if (out === undefined) throw new Error(`Python peer stopped: ${err.trim()}`);
      // OpenBLAS's idle threads spin for ≈0.1 s of CPU after a call (measured here); let them fall
      // asleep so that they do not take a core from nidkit's next run
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      return out;
    },
    stop: () => child.stdin.end(),
  };
}
