import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileCheckpointStore, TEMP_PREFIX } from './file-store';
import { findLatestCheckpoint } from './find-latest';

describe('checkpoint write killed mid-way (real process, SIGKILL)', () => {
  it('keeps the previous checkpoint intact and the partial temp file is never picked up', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-crash-'));
    const file = path.join(dir, 'epoch_1.safetensors');
    const good = new Uint8Array(4096).fill(7);
    await new FileCheckpointStore().save(file, good);

    const fixtures = path.join(__dirname, '..', '__fixtures__');
    const child = spawn(
      process.execPath,
      ['--conditions=@det/source', '-r', path.join(fixtures, 'ts-require.cjs'), path.join(fixtures, 'crash-writer.ts'), file, String(8 << 20)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c) => String(c).includes('HALF') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before writing: ${stderr}`)));
    });
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;

    const names = fs.readdirSync(dir);
    const temp = names.filter((n) => n.startsWith(TEMP_PREFIX));
    expect(temp).toHaveLength(1);
    expect(fs.statSync(path.join(dir, temp[0])).size).toBe(4 << 20);
    expect(new Uint8Array(fs.readFileSync(file))).toEqual(good);
    expect(findLatestCheckpoint(dir)).toBe(file);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
