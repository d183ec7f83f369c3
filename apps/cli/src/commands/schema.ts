/** `nidkit schema [command]`: prints the JSON Schema of a command's `--json` result. */
import { UsageError } from '../errors.js';
import { toJson } from '../io/output.js';
import { SCHEMAS } from '../schemas/index.js';

/**
 * Prints the schema of `command`, or the list of commands with a schema.
 * @throws UsageError for a command without a schema
 */
export function schemaCommand(command: string | undefined): Promise<void> {
  if (command === undefined) {
    process.stdout.write(`${Object.keys(SCHEMAS).join('\n')}\n`);
    return Promise.resolve();
  }
  const schema = SCHEMAS[command];
  if (!schema)
    throw new UsageError(
      `no schema for "${command}" — expected one of ${Object.keys(SCHEMAS).join(', ')}`,
    );
  process.stdout.write(toJson(schema));
  return Promise.resolve();
}
