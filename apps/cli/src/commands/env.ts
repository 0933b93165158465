import type { Command } from 'commander';
import { collectEnv, formatEnv } from '@det/registry';
import { addCommonOptions, applyCommonOptions, type CommonOptions } from '../common-options';
import { loadCoreLibs } from '../core-libs';
import { printData, printJson } from '../io';

export function registerEnvCommand(program: Command): void {
  const cmd = program
    .command('env')
    .description('print versions and machine facts (attach to bug reports)')
    .option('--json', 'print JSON');
  addCommonOptions(cmd, ['plugin', 'backend']).action(async (options: CommonOptions & { json?: boolean }) => {
    await loadCoreLibs();
    await applyCommonOptions(options);
    const env = collectEnv();
    if (options.json) printJson(env);
    else printData(formatEnv(env).join('\n'));
  });
}
