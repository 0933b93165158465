import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getLogger } from '@det/registry';
import { setCliIO } from '../io';
import { RunLogger } from './run-logger';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-runlog-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('RunLogger', () => {
  it('writes each line to the command stderr and to the log file, and is the DI logger while installed', () => {
    let err = '';
    const previousIO = setCliIO({ out: () => undefined, err: (s) => void (err += s) });
    const before = getLogger();
    const run = new RunLogger(path.join(dir, 'a.log'), 'info').install();
    try {
      expect(getLogger()).toBe(run.logger);
      getLogger().info('first line', { k: 1 });
      getLogger().debug('not at info level');
    } finally {
      run.uninstall();
      setCliIO(previousIO);
    }
    expect(getLogger()).toBe(before);
    const text = fs.readFileSync(path.join(dir, 'a.log'), 'utf8');
    expect(text).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO first line k=1\n$/);
    expect(err).toBe(text);
  });

  it('rename moves the file, and appends to an existing log instead of overwriting it', () => {
    const previousIO = setCliIO({ out: () => undefined, err: () => undefined });
    try {
      fs.writeFileSync(path.join(dir, 'taken.log'), 'earlier run\n');
      const run = new RunLogger(path.join(dir, 'b.log'), 'info');
      run.logger.info('second run');
      run.rename(path.join(dir, 'taken.log'));
      run.logger.info('after rename');
      expect(run.logFile).toBe(path.join(dir, 'taken.log'));
      expect(fs.existsSync(path.join(dir, 'b.log'))).toBe(false);
      const lines = fs.readFileSync(path.join(dir, 'taken.log'), 'utf8').trim().split('\n');
      expect(lines[0]).toBe('earlier run');
      expect(lines[1]).toMatch(/INFO second run$/);
      expect(lines[2]).toMatch(/INFO after rename$/);
    } finally {
      setCliIO(previousIO);
    }
  });
});
