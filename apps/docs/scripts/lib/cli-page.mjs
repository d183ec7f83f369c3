// @ts-check
/** Writes generated/reference/cli.md from the built CLI's `createProgram()`. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectCommands, commandAnchor, renderCliReference } from './cli-reference.mjs';
import { errorMessage, importCli } from './modules.mjs';
import { GENERATED } from './paths.mjs';

/**
 * @param {(msg: string) => void} log
 * @returns {Promise<{ commands: { path: string, anchor: string }[], error?: string }>}
 */
export async function generateCliReference(log) {
  const file = join(GENERATED, 'reference', 'cli.md');
  const loaded = await importCli('program');
  /** @type {string | undefined} */
  let error;
  if (loaded.mod && typeof loaded.mod.createProgram === 'function') {
    try {
      /** @type {import('commander').Command} */
      const program = loaded.mod.createProgram();
      const commands = collectCommands(program).map((e) => ({
        path: e.path.join(' '),
        anchor: commandAnchor(e.path),
      }));
      writeFileSync(file, renderCliReference(program, { title: 'CLI reference' }));
      log(`cli: ${commands.length} commands → /reference/cli`);
      return { commands };
    } catch (err) {
      error = `createProgram() failed: ${errorMessage(err)}`;
    }
  } else {
    error = loaded.error ?? '@nidkit/cli does not export createProgram';
  }
  log(`cli: WARNING reference not generated: ${error}`);
  writeFileSync(
    file,
    [
      '# CLI reference',
      '',
      '::: warning Not generated in this build',
      'The CLI reference is generated from the built CLI’s `createProgram()`, which could not be',
      `loaded: ${error.replace(/[<>{}]/g, ' ')}`,
      ':::',
      '',
    ].join('\n'),
  );
  return { commands: [], error };
}
