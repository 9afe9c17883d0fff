// Fails when the modules of src/ import each other in a cycle.
//
// Every import counts: `import`, `import type`, `export ... from`, `export type ... from`,
// `import()` and `require()`, because a type-only cycle still ties the modules together and
// becomes a runtime cycle as soon as one of its imports starts carrying a value.
// Specifiers come from `ts.preProcessFile`; relative ones are resolved to files of src/
// (they are written with their `.ts` extension; `.js`, extensionless and directory forms
// are resolved too). A relative specifier that names no file is reported and fails the check.
//
// Usage: node scripts/check-cycles.ts [dir]   (dir defaults to src)
// Prints every elementary cycle as a chain `a -> b -> a` (paths relative to the repo root),
// marks the links that are type-only, and exits 1; otherwise prints
// `no import cycle in src/ (N files, M imports)`, M counting each importing/imported pair once.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** Cap on the cycles printed for one strongly connected component (Johnson's algorithm can find very many). */
const MAX_CYCLES_PER_COMPONENT = 200;

const root = process.cwd();
const dir = resolve(root, process.argv[2] ?? 'src');

function listTsFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...listTsFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.ts')) files.push(path);
  }
  return files;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** Resolves a relative specifier written in `from` to a file path, or undefined. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const candidates = [base];
  if (base.endsWith('.js')) candidates.push(`${base.slice(0, -3)}.ts`);
  if (base.endsWith('.mjs')) candidates.push(`${base.slice(0, -4)}.mts`);
  if (base.endsWith('.cjs')) candidates.push(`${base.slice(0, -4)}.cts`);
  candidates.push(`${base}.ts`, join(base, 'index.ts'));
  return candidates.find(isFile);
}

/** For each specifier of the file: true when every import/export-from of it is erased at build time. */
function typeOnlySpecifiers(source: ts.SourceFile): Map<string, boolean> {
  const typeOnly = new Map<string, boolean>();
  const note = (specifier: string, isTypeOnly: boolean): void => {
    typeOnly.set(specifier, (typeOnly.get(specifier) ?? true) && isTypeOnly);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      // Only `import type` is erased: under verbatimModuleSyntax `import { type A } from './a.ts'`
      // still loads './a.ts' (it is emitted as `import {} from './a.ts'`).
      const isTypeOnly = node.importClause?.isTypeOnly ?? false;
      note(node.moduleSpecifier.text, isTypeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const isTypeOnly = node.isTypeOnly;
      note(node.moduleSpecifier.text, isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal)) note(argument.literal.text, true);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const [first] = node.arguments;
      const isImportCall = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if ((isImportCall || isRequire) && first && ts.isStringLiteralLike(first)) note(first.text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return typeOnly;
}

const files = listTsFiles(dir).sort();
const inGraph = new Set(files);
/** file -> imported file -> true when all the imports of that file are type-only */
const graph = new Map<string, Map<string, boolean>>();
const unresolved: string[] = [];
let importCount = 0;

for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const { importedFiles } = ts.preProcessFile(text, true, true);
  const typeOnly = typeOnlySpecifiers(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
  const edges = new Map<string, boolean>();
  for (const { fileName: specifier } of importedFiles) {
    if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue;
    const target = resolveRelative(file, specifier);
    if (target === undefined) {
      unresolved.push(`${rel(file)}: cannot resolve '${specifier}'`);
      continue;
    }
    if (!inGraph.has(target)) continue;
    if (!edges.has(target)) importCount++;
    const isTypeOnly = typeOnly.get(specifier) ?? false;
    edges.set(target, (edges.get(target) ?? true) && isTypeOnly);
  }
  graph.set(file, edges);
}

function rel(path: string): string {
  return relative(root, path).split(sep).join('/');
}

/** Tarjan's strongly connected components, each sorted, in a stable order. */
function stronglyConnectedComponents(): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const lowLinks = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const strongConnect = (node: string): void => {
    indices.set(node, index);
    lowLinks.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!indices.has(next)) {
        strongConnect(next);
        lowLinks.set(node, Math.min(lowLinks.get(node)!, lowLinks.get(next)!));
      } else if (onStack.has(next)) {
        lowLinks.set(node, Math.min(lowLinks.get(node)!, indices.get(next)!));
      }
    }
    if (lowLinks.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component.sort());
    }
  };
  for (const file of files) if (!indices.has(file)) strongConnect(file);
  return components
    .filter((component) => component.length > 1 || graph.get(component[0]!)?.has(component[0]!))
    .sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/**
 * Elementary cycles of one component (Johnson's algorithm restricted to the component), each
 * starting at its smallest file, at most `limit` of them.
 */
function elementaryCycles(component: string[], limit: number): { cycles: string[][]; truncated: boolean } {
  const members = new Set(component);
  const cycles: string[][] = [];
  let truncated = false;
  for (let s = 0; s < component.length && !truncated; s++) {
    const start = component[s]!;
    // Only files at or after `start` in the sorted order take part, so each cycle is found once.
    const allowed = new Set(component.slice(s));
    const blocked = new Set<string>();
    const blockMap = new Map<string, Set<string>>();
    const path: string[] = [];
    const unblock = (node: string): void => {
      blocked.delete(node);
      const waiting = blockMap.get(node);
      if (!waiting) return;
      blockMap.delete(node);
      for (const other of waiting) if (blocked.has(other)) unblock(other);
    };
    const circuit = (node: string): boolean => {
      let found = false;
      path.push(node);
      blocked.add(node);
      for (const next of graph.get(node)!.keys()) {
        if (!members.has(next) || !allowed.has(next)) continue;
        if (next === start) {
          if (cycles.length >= limit) {
            truncated = true;
            break;
          }
          cycles.push([...path, start]);
          found = true;
        } else if (!blocked.has(next) && circuit(next)) {
          found = true;
        }
        if (truncated) break;
      }
      if (found) unblock(node);
      else {
        for (const next of graph.get(node)!.keys()) {
          if (!members.has(next) || !allowed.has(next)) continue;
          let waiting = blockMap.get(next);
          if (!waiting) blockMap.set(next, (waiting = new Set()));
          waiting.add(node);
        }
      }
      path.pop();
      return found;
    };
    circuit(start);
  }
  cycles.sort((a, b) => a.length - b.length || a.join('\0').localeCompare(b.join('\0')));
  return { cycles, truncated };
}

for (const line of unresolved) console.error(`unresolved import: ${line}`);

const components = stronglyConnectedComponents();
if (components.length === 0) {
  console.log(`no import cycle in ${rel(dir)}/ (${files.length} files, ${importCount} imports)`);
  process.exit(unresolved.length > 0 ? 1 : 0);
}

let total = 0;
let anyTruncated = false;
for (const component of components) {
  const { cycles, truncated } = elementaryCycles(component, MAX_CYCLES_PER_COMPONENT);
  total += cycles.length;
  anyTruncated ||= truncated;
  console.log(
    `import cycle${cycles.length === 1 ? '' : 's'} among ${component.length} file${component.length === 1 ? '' : 's'}: ${component.map(rel).join(', ')}`,
  );
  for (const cycle of cycles) {
    console.log(`  ${cycle.map(rel).join(' -> ')}`);
    const typeLinks: string[] = [];
    for (let i = 0; i + 1 < cycle.length; i++) {
      if (graph.get(cycle[i]!)!.get(cycle[i + 1]!)) typeLinks.push(`${rel(cycle[i]!)} -> ${rel(cycle[i + 1]!)}`);
    }
    if (typeLinks.length > 0) console.log(`    (type-only: ${typeLinks.join('; ')})`);
  }
  if (truncated) console.log(`  ... more cycles in this component; showing the first ${MAX_CYCLES_PER_COMPONENT}`);
}
console.log(
  `${total}${anyTruncated ? '+' : ''} import cycle${total === 1 ? '' : 's'} in ${rel(dir)}/ (${files.length} files, ${importCount} imports)`,
);
process.exit(1);
