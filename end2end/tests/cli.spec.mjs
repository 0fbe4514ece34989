// Journey: an operator starts the server with a wrong setting; it stops at once with one line naming it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { BINARY, ROOT, startServer } from './support.mjs';

function run(args) {
  const result = spawnSync(BINARY, args, { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stderr: result.stderr.trim(), stdout: result.stdout };
}

test('--help lists every setting with its environment variable', () => {
  const { code, stdout } = run(['--help']);
  expect(code).toBe(0);
  for (const flag of ['--bind', '--database-url', '--db-namespace', '--data-dir', '--public-url', '--secret-key-file', '--dev']) {
    expect(stdout).toContain(flag);
  }
  expect(stdout).toContain('CONGDANSO_DATABASE_URL');
});

test('a malformed setting stops start-up with one line naming it', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cds-cli-'));
  try {
    const bind = run(['--bind', 'not-an-address', '--data-dir', dir]);
    expect(bind.code).toBe(2);
    expect(bind.stderr.split('\n')).toHaveLength(1);
    expect(bind.stderr).toContain('--bind');

    const url = run(['--database-url', 'postgres://db', '--data-dir', dir]);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('--database-url');

    const keyFile = path.join(dir, 'bad.key');
    writeFileSync(keyFile, 'not a key');
    const key = run(['--database-url', 'mem://', '--secret-key-file', keyFile, '--data-dir', dir]);
    expect(key.code).toBe(1);
    expect(key.stderr.split('\n')).toHaveLength(1);
    expect(key.stderr).toContain('--secret-key-file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGTERM lets the server finish and exit cleanly, and the embedded database opens again', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cds-db-'));
  try {
    for (let round = 0; round < 2; round++) {
      const server = await startServer(3191, ['--database-url', `surrealkv://${dir}/db`]);
      const health = await (await fetch(`${server.url}/healthz`)).json();
      expect(health).toEqual({ status: 'ok', database: 'ok' });
      expect(await server.stop()).toBe(0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
