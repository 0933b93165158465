import type { Command } from 'commander';
import { printData, printJson } from '../io';

interface AnalyzeLogsCommandOptions {
  keys?: string[];
  out?: string;
  json?: boolean;
}

export function registerAnalyzeLogsCommand(program: Command): void {
  program
    .command('analyze-logs')
    .description('plot loss / mAP curves from a training JSON log (<work dir>/<timestamp>.log.json) and summarise them')
    .argument('<log>', 'the .log.json file of a training run')
    .option('--keys <keys...>', 'log keys to plot, e.g. loss_cls loss_bbox bbox_mAP (default: every loss and mAP)')
    .option('--out <file>', 'write the curves as .png (or .svg)')
    .option('--json', 'print the summary as JSON')
    .action(async (log: string, options: AnalyzeLogsCommandOptions) => {
      const { analyzeLogs, formatSummary } = await import('../api/analyze-logs');
      const result = await analyzeLogs(log, options);
      if (options.json) printJson({ summary: result.summary, out: result.out });
      else printData(formatSummary(result.summary) + (result.out ? `\ncurves written to ${result.out}` : ''));
    },
  );
}
