import type { Command } from 'commander';
import { dumpConfig, loadConfig } from '@det/registry';
import { addCommonOptions, type CommonOptions } from '../common-options';
import { printData } from '../io';

export function registerPrintConfigCommand(program: Command): void {
  const cmd = program
    .command('print-config')
    .description('print a config with its _base_ files merged and --cfg-options applied')
    .argument('<config>', 'config file (.ts, .js, .json, .yaml)')
    .option('--json', 'print JSON instead of YAML');
  addCommonOptions(cmd, ['cfgOptions']).action((config: string, options: CommonOptions & { json?: boolean }) => {
    const cfg = loadConfig(config, { cfgOptions: options.cfgOptions ?? [] });
    printData(dumpConfig(cfg, options.json ? 'json' : 'yaml'));
  });
}
