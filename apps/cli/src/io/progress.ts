/**
 * Progress on stderr: a cli-progress bar when stderr is a TTY, nothing otherwise (so logs and
 * pipes stay clean). Messages without a fraction become the bar's label.
 */
import type { SingleBar } from 'cli-progress';

/** A progress sink: `update(message, fraction?)` with fraction in [0, 1]; `stop()` when done. */
export interface Progress {
  update(message: string, fraction?: number): void;
  stop(): void;
}

const SILENT: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A progress bar on stderr when it is a TTY and `quiet` is false; a silent sink otherwise.
 * @param label - what is running, e.g. `training`
 * @param options - `quiet` silences it
 */
export async function createProgress(
  label: string,
  options: { quiet?: boolean } = {},
): Promise<Progress> {
  if (options.quiet || !process.stderr.isTTY) return SILENT;
  const { default: cliProgress } = await import('cli-progress');
  const bar: SingleBar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {message}`,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1000, 0, { message: '' });
  let stopped = false;
  return {
    update(message, fraction) {
      if (stopped) return;
      const payload = { message: message.slice(0, 60) };
      if (fraction === undefined) bar.update(payload);
      else bar.update(Math.round(Math.max(0, Math.min(1, fraction)) * 1000), payload);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

/**
 * Runs `steps` one after the other, reporting `i / steps.length` on `progress`.
 * A helper for commands whose phases have no finer progress of their own.
 */
export async function phases<T>(
  progress: Progress,
  steps: readonly { label: string; run: () => Promise<T> }[],
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < steps.length; i++) {
    progress.update(steps[i]!.label, i / steps.length);
    out.push(await steps[i]!.run());
  }
  progress.update('done', 1);
  return out;
}

/** Writes a diagnostic line to stderr unless `quiet`. */
export function note(message: string, options: { quiet?: boolean } = {}): void {
  if (!options.quiet) process.stderr.write(`${message}\n`);
}
