import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const BENCH = path.resolve(__dirname, '..', '..', 'bench');

/** Each bench module's bench imports, type-only ones included. */
function benchImports(): Map<string, string[]> {
  const files = readdirSync(BENCH).filter((name) => name.endsWith('.ts'));
  return new Map(
    files.map((file) => {
      const text = readFileSync(path.join(BENCH, file), 'utf8');
      const imported = ts
        .preProcessFile(text, true, true)
        .importedFiles.map((ref) => ref.fileName)
        .filter((name) => name.startsWith('./'))
        .map((name) => `${name.slice(2)}.ts`);
      return [file, imported];
    }),
  );
}

/** Every circle, as the path that closes it (`a.ts -> b.ts -> a.ts`). */
function circles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const done = new Set<string>();
  const visit = (file: string, trail: string[]) => {
    const seen = trail.indexOf(file);
    if (seen >= 0) {
      found.push([...trail.slice(seen), file].join(' -> '));
      return;
    }
    if (done.has(file)) return;
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
    done.add(file);
  };
  for (const file of graph.keys()) visit(file, []);
  return found;
}

describe('bench modules', () => {
  // The lint rule import-x/no-cycle skips type-only imports; a circle through types still
  // ties an entry point to its readers, so this walk counts them too.
  it('import each other without a circle, type-only imports included', () => {
    const graph = benchImports();
    expect(graph.get('deliveries.ts')).toContain('columns.ts');
    expect(circles(graph)).toEqual([]);
  });
});
