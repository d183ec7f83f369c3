import { describe, expect, it } from 'vitest';
import { mdTable } from './stats.js';

describe('mdTable', () => {
  it('regression: a "|" inside a cell is escaped, so "max |signed √T|" stays one column', () => {
    const table = mdTable(['k', 'max |signed √T|'], [['2', '0.03']]);
    const header = table.split('\n')[0]!;
    expect(header).toBe('| k | max \\|signed √T\\| |');
    // splitting on unescaped bars gives exactly the two cells
    expect(header.split(/(?<!\\)\|/).filter((c) => c.trim() !== '').length).toBe(2);
  });
});
