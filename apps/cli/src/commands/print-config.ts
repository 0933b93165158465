import type { Command } from 'commander';
import { dumpConfig, loadConfig } from '@det/registry';
import { addCommonOptions, applyCommonOptions, type CommonOptions } from '../common-options';
import { loadCoreLibs } from '../core-libs';
import { printData } from '../io';

export function registerPrintConfigCommand(program: Command): void {
  const cmd = program
    .command('print-config')
    .description('print a config with its _base_ files merged and --cfg-options applied')
    .argument('<config>', 'config file (.ts, .js, .json, .yaml)')
    .option('--json', 'print JSON instead of YAML');
  addCommonOptions(cmd, ['cfgOptions', 'plugin']).action(async (config: string, options: CommonOptions & { json?: boolean }) => {
    // Libraries and plugins may add top-level config keys (extendConfigSchema) when imported.
    await loadCoreLibs();
    await applyCommonOptions(options);
    const cfg = loadConfig(config, { cfgOptions: options.cfgOptions ?? [] });
    printData(dumpConfig(cfg, options.json ? 'json' : 'yaml'));
  });
}
