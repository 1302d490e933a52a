/**
 * `npx tsx bench/profile.ts DIR`: the functions that took the most CPU (self time) in each V8
 * CPU profile that `npm run bench -- --cpu-prof DIR` left in DIR, grouped by package, so a
 * missed goal can name what bounds it.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code comes from: a package, Tandem's source, Node, or V8 itself. */
function origin(url: string): string {
  if (url === '') return '(native / V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  if (url.startsWith('node:')) return 'node';
  return url.includes('/src/') ? 'tandem src' : path.basename(url);
}

async function summarise(file: string): Promise<string[]> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const group = (key: (node: ProfileNode) => string) => {
    const sums = new Map<string, number>();
    for (const [id, us] of selfUs) {
      const node = byId.get(id);
      if (node) sums.set(key(node), (sums.get(key(node)) ?? 0) + us);
    }
    return [...sums].sort((a, b) => b[1] - a[1]);
  };
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  return [
    `${path.basename(file)}: ${(total / 1000).toFixed(0)} ms sampled`,
    '  by origin:',
    ...group((n) => origin(n.callFrame.url))
      .slice(0, 8)
      .map(([name, us]) => `    ${pct(us)}  ${name}`),
    '  top functions:',
    ...group((n) => `${n.callFrame.functionName || '(anonymous)'} ${origin(n.callFrame.url)}`)
      .slice(0, 12)
      .map(([name, us]) => `    ${pct(us)}  ${name}`),
  ];
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (dir === undefined) throw new Error('Usage: npx tsx bench/profile.ts DIR');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  for (const file of files) console.log((await summarise(path.join(dir, file))).join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
