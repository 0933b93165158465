import { BACKEND_NAMES } from '@det/models';
import { BACKEND_CHOICES } from './common-options';
import { run } from './main';

describe('--backend', () => {
  it('offers exactly the backends @det/models can select', () => {
    expect([...BACKEND_CHOICES]).toEqual([...BACKEND_NAMES]);
  });

  it('rejects an unknown backend and lists the choices', async () => {
    let err = '';
    const code = await run(['env', '--backend', 'cuda'], { out: () => undefined, err: (s) => void (err += s) });
    expect(code).not.toBe(0);
    expect(err).toMatch(/cuda.*invalid|invalid.*cuda/i);
    expect(err).toContain('native');
  });
});
