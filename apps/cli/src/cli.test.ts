import { afterEach, describe, expect, it, vi } from 'vitest';
import { NidkitError } from '@nidkit/core';
import { UsageError } from './errors.js';

const behaviour = vi.hoisted(() => ({ throw: new Error('unset') }));
vi.mock('./commands/inspect.js', () => ({
  inspectCommand: () => Promise.reject(behaviour.throw),
}));

const { createProgram, main } = await import('./cli.js');

function capture(): { err: () => string; restore: () => void } {
  let err = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  return { err: () => err, restore: () => (spy.mockRestore(), out.mockRestore()) };
}

describe('main: exit codes and messages', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a nidkit error: exit 1, one line, no stack', async () => {
    behaviour.throw = new NidkitError('X', 'importOnnx: something is wrong — expected a, got b');
    const c = capture();
    const code = await main(['node', 'nidkit', 'inspect', 'm.onnx']);
    c.restore();
    expect(code).toBe(1);
    expect(c.err()).toBe('nidkit: importOnnx: something is wrong — expected a, got b\n');
  });

  it('an unexpected error: exit 1 with the stack and a request to report it', async () => {
    behaviour.throw = new TypeError('cannot read properties of undefined');
    const c = capture();
    const code = await main(['node', 'nidkit', 'inspect', 'm.onnx']);
    c.restore();
    expect(code).toBe(1);
    expect(c.err()).toMatch(/unexpected error — this is a bug in nidkit; please report it/);
    expect(c.err()).toMatch(/TypeError: cannot read properties of undefined\n\s+at /);
  });

  it('a usage error from a command: exit 2 with that command’s usage line', async () => {
    behaviour.throw = new UsageError('--limit must be smaller');
    const c = capture();
    const code = await main(['node', 'nidkit', 'inspect', 'm.onnx']);
    c.restore();
    expect(code).toBe(2);
    expect(c.err()).toContain('nidkit inspect: error: --limit must be smaller');
    expect(c.err()).toContain('Usage: nidkit inspect');
    expect(c.err()).toContain("run 'nidkit inspect --help'");
  });

  it('--version and --help exit 0', async () => {
    const c = capture();
    expect(await main(['node', 'nidkit', '--version'])).toBe(0);
    expect(await main(['node', 'nidkit', 'lmc', '--help'])).toBe(0);
    c.restore();
  });

  it('createProgram declares every command with a description', () => {
    const names = createProgram().commands.map((c) => c.name());
    expect(names).toEqual([
      'inspect',
      'train',
      'match',
      'lmc',
      'costs',
      'identify',
      'merge',
      'demo',
      'reproduce',
      'schema',
    ]);
    for (const c of createProgram().commands) expect(c.description().length).toBeGreaterThan(20);
  });
});
