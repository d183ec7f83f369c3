/** The executable entry: runs {@link main} on `process.argv` and sets the exit code. */
import { main } from './cli.js';

process.exitCode = await main(process.argv);
