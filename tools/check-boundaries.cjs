#!/usr/bin/env node
// Import-boundary check: every workspace project may import only the det packages that the
// package table of ARCHITECTURE.md allows for it, and only through their public entry points.
//
//   node tools/check-boundaries.cjs [--root DIR] [--architecture FILE] [--json]
//
// Exits 1 and lists each forbidden import (file:line, importer, imported, rule); 2 on a setup error.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const LIB_SCOPES = ['registry', 'data', 'models', 'runner', 'hooks'];

/** ARCHITECTURE.md: an explicit file, $DET_ARCHITECTURE, the repo, or ../shared beside it. */
function findArchitecture(root, explicit) {
  const candidates = [explicit, process.env.DET_ARCHITECTURE, path.join(root, 'ARCHITECTURE.md'),
    path.join(root, 'docs', 'ARCHITECTURE.md'), path.join(root, '..', 'shared', 'ARCHITECTURE.md')]
    .filter(Boolean).map((p) => path.resolve(root, p));
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`ARCHITECTURE.md not found; looked at:\n${candidates.map((c) => `  - ${c}`).join('\n')}`);
  return found;
}

/** Scope of a table row from its folder: `libs/data` → data, `plugins/*` → plugin. */
const scopeOfFolder = (folder) => (folder.startsWith('plugins/') ? 'plugin' : path.basename(folder));

/** Which scopes a "may import" cell allows. */
function parseAllowed(cell) {
  const text = cell.toLowerCase();
  if (/\beverything\b/.test(text)) return { scopes: [...LIB_SCOPES, 'cli', 'plugin'], text: cell };
  if (/public entry points/.test(text)) return { scopes: [...LIB_SCOPES], text: cell };
  const scopes = [...new Set(text.match(/[a-z]+/g) || [])].filter((w) => LIB_SCOPES.includes(w) || w === 'cli');
  return { scopes, text: cell };
}

/** Rows of the package table: `| \`libs/x\` | \`@det/x\` | holds | may import |`. */
function parseRules(markdown, file) {
  const rules = [];
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length < 4) continue;
    const folder = /^`([^`]+)`$/.exec(cells[0]);
    if (!folder || !/^(libs|apps|plugins)\//.test(folder[1])) continue;
    rules.push({ folder: folder[1], scope: scopeOfFolder(folder[1]), allowed: parseAllowed(cells[cells.length - 1]) });
  }
  if (!rules.length) throw new Error(`no package table found in ${file}`);
  return rules;
}

const globToRegExp = (glob) => new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}$`);

/** Workspace projects: every folder matched by package.json `workspaces` that has a package.json. */
function findProjects(root) {
  const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const globs = Array.isArray(rootPkg.workspaces) ? rootPkg.workspaces : (rootPkg.workspaces && rootPkg.workspaces.packages) || [];
  const projects = [];
  for (const glob of globs) {
    const parent = path.join(root, path.dirname(glob));
    const re = globToRegExp(glob);
    if (!fs.existsSync(parent)) continue;
    for (const name of fs.readdirSync(parent).sort()) {
      const rel = path.posix.join(path.dirname(glob), name);
      const pj = path.join(root, rel, 'package.json');
      if (!re.test(rel) || !fs.existsSync(pj)) continue;
      const pkg = JSON.parse(fs.readFileSync(pj, 'utf8'));
      const tags = (pkg.nx && pkg.nx.tags) || [];
      const scopeTag = tags.find((t) => t.startsWith('scope:'));
      projects.push({ name: pkg.name, dir: rel, tags, scope: scopeTag ? scopeTag.slice('scope:'.length) : undefined });
    }
  }
  return projects;
}

function tsFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') out.push(...tsFiles(full));
    } else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out.sort();
}

/** Blanks comments (keeping newlines) so commented-out imports are not reported. */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\/|(^|[^:\\])\/\/.*$/gm, (m, prefix) => {
    const keep = typeof prefix === 'string' ? prefix : '';
    return keep + m.slice(keep.length).replace(/[^\n]/g, ' ');
  });
}

const IMPORT_PATTERNS = [
  /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*(['"])([^'"]+)\1/g, // import x from 'm' / export * from 'm'
  /\bimport\s*(['"])([^'"]+)\1/g, // import 'm'
  /\b(?:require|import)\s*\(\s*(['"])([^'"]+)\1\s*\)/g, // require('m') / import('m')
];

/** Every module specifier in a TypeScript file, with its 1-based line. */
function importsOf(text) {
  const clean = stripComments(text);
  const found = new Map();
  for (const re of IMPORT_PATTERNS) {
    for (const m of clean.matchAll(re)) {
      const at = m.index + m[0].lastIndexOf(m[2]);
      if (!found.has(at)) found.set(at, { specifier: m[2], line: clean.slice(0, at).split('\n').length });
    }
  }
  return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/**
 * Checks a workspace. Returns `{ violations, projects, architecture }`; each violation is
 * `{ file, line, importer, imported, rule }` with `file` relative to `root`.
 */
function checkBoundaries(options = {}) {
  const root = path.resolve(options.root || path.join(__dirname, '..'));
  const architecture = findArchitecture(root, options.architecture);
  const rules = parseRules(fs.readFileSync(architecture, 'utf8'), architecture);
  const projects = findProjects(root);
  const byName = new Map(projects.map((p) => [p.name, p]));
  const ruleOf = (project) =>
    rules.find((r) => project.scope && r.scope === project.scope) || rules.find((r) => globToRegExp(r.folder).test(project.dir));
  const violations = [];
  for (const project of projects) {
    const rule = ruleOf(project);
    const projectRoot = path.join(root, project.dir);
    for (const file of tsFiles(path.join(projectRoot, 'src'))) {
      const rel = path.relative(root, file);
      const report = (line, imported, why) => violations.push({ file: rel, line, importer: project.name, imported, rule: why });
      for (const { specifier, line } of importsOf(fs.readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.')) {
          const target = path.resolve(path.dirname(file), specifier);
          if (path.relative(projectRoot, target).startsWith('..')) {
            report(line, specifier, `relative imports may not leave ${project.dir}; import the package's public entry point instead`);
          }
          continue;
        }
        const parts = specifier.split('/');
        const pkgName = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
        const target = byName.get(pkgName);
        if (!target) continue; // an npm dependency, not a workspace project
        if (pkgName !== specifier) {
          report(line, specifier, `deep import into ${pkgName}; import '${pkgName}' (its public entry point) instead`);
          continue;
        }
        if (target === project) continue;
        if (!rule) {
          report(line, specifier, `${project.name} (${project.dir}, tags ${JSON.stringify(project.tags)}) matches no row of the package table`);
          continue;
        }
        const targetScope = target.scope || (ruleOf(target) || {}).scope;
        if (!rule.allowed.scopes.includes(targetScope)) {
          report(line, specifier, `${rule.folder} may import: ${rule.allowed.text}`);
        }
      }
    }
  }
  return { violations, projects, architecture };
}

function formatViolations(violations) {
  return violations.map((v) => `${v.file}:${v.line}  ${v.importer} -> ${v.imported}  (${v.rule})`).join('\n');
}

function main(argv) {
  const arg = (flag) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  let result;
  try {
    result = checkBoundaries({ root: arg('--root'), architecture: arg('--architecture') });
  } catch (err) {
    process.stderr.write(`check-boundaries: ${err.message}\n`);
    return 2;
  }
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(result.violations, null, 2)}\n`);
  if (result.violations.length) {
    process.stderr.write(`check-boundaries: ${result.violations.length} forbidden import(s) (rules from ${result.architecture}):\n${formatViolations(result.violations)}\n`);
    return 1;
  }
  process.stderr.write(`check-boundaries: ${result.projects.length} projects, no forbidden imports\n`);
  return 0;
}

module.exports = { checkBoundaries, formatViolations, importsOf, parseRules };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
