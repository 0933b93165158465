import type { Command } from 'commander';
import { DetError, REGISTRIES, nearestName, readPluginManifest, discoverPlugins, type PluginManifest } from '@det/registry';
import { addCommonOptions, applyCommonOptions, type CommonOptions } from '../common-options';
import { loadCoreLibs } from '../core-libs';
import { printData, printJson } from '../io';

interface ListOptions extends CommonOptions {
  json?: boolean;
  plugins?: boolean;
}

interface ListedComponent {
  name: string;
  owner: string;
  scopedName: string;
}

function checkKind(kind: string | undefined): string[] {
  const kinds = Object.keys(REGISTRIES);
  if (kind === undefined) return kinds;
  if (kinds.includes(kind)) return [kind];
  const near = nearestName(kind, kinds);
  throw new DetError(`unknown kind '${kind}'.${near ? ` Did you mean '${near}'?` : ''} Valid kinds: ${kinds.join(', ')}`);
}

function componentsByKind(kinds: string[]): Record<string, ListedComponent[]> {
  return Object.fromEntries(
    kinds.map((kind) => [kind, REGISTRIES[kind].entries().map(({ name, owner, scopedName }) => ({ name, owner, scopedName }))]),
  );
}

function printComponents(byKind: Record<string, ListedComponent[]>): void {
  const lines: string[] = [];
  for (const [kind, entries] of Object.entries(byKind)) {
    lines.push(`${kind} (${entries.length})`);
    const width = Math.max(0, ...entries.map((e) => e.name.length));
    for (const e of entries) lines.push(`  ${e.name.padEnd(width)}  ${e.owner}`);
  }
  printData(lines.join('\n'));
}

/** Manifests of installed plugins plus the ones named by --plugin, read without running them. */
function pluginManifests(specs: string[]): PluginManifest[] {
  const found = discoverPlugins(process.cwd());
  for (const spec of specs) {
    const m = readPluginManifest(spec, { cwd: process.cwd() });
    if (!found.some((f) => f.packageJson === m.packageJson)) found.push(m);
  }
  return found;
}

function printManifests(manifests: PluginManifest[]): void {
  if (!manifests.length) {
    printData('(no plugins found; install one or pass --plugin NAME)');
    return;
  }
  const lines: string[] = [];
  for (const m of manifests) {
    lines.push(`${m.name}${m.version ? `@${m.version}` : ''}  (plugin API ${m.apiVersion ?? 'not declared'})`);
    for (const [kind, names] of Object.entries(m.contributes)) lines.push(`  ${kind}: ${names.join(', ')}`);
  }
  printData(lines.join('\n'));
}

export function registerListCommand(program: Command): void {
  const cmd = program
    .command('list')
    .description('list registered components by kind, with the package or plugin that registered each')
    .argument('[kind]', `one kind: ${Object.keys(REGISTRIES).join(', ')}`)
    .option('--json', 'print JSON')
    .option('--plugins', "list installed plugins and what their package.json says they contribute (does not run them)");
  addCommonOptions(cmd, ['plugin']).action(async (kind: string | undefined, options: ListOptions) => {
    if (options.plugins) {
      const manifests = pluginManifests(options.plugin ?? []);
      if (options.json) printJson(manifests);
      else printManifests(manifests);
      return;
    }
    const kinds = checkKind(kind);
    await loadCoreLibs();
    await applyCommonOptions(options);
    const byKind = componentsByKind(kinds);
    if (options.json) printJson(byKind);
    else printComponents(byKind);
  });
}
