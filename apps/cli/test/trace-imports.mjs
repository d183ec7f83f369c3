// Loaded with `node --import ./test/trace-imports.mjs`: registers a resolve hook that reports every
// resolved module URL on stderr as `[import] <url>`, so a test can see what `--help` loads.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  process.stderr.write('[import] ' + r.url + '\\n');
  return r;
}`),
  import.meta.url,
);
