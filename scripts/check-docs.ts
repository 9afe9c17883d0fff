// Fails when part of the public API of src/index.ts has no JSDoc comment.
//
// Checked: every export of src/index.ts (through re-exports), every member of the exported
// interfaces and type aliases (including type literals nested in member types: unions, arrays,
// generics...), the members exported interfaces inherit from interfaces that are not exported
// themselves, and the public members of every exported class (constructor, methods, properties,
// accessors, public parameter properties). A JSDoc block counts only when it has comment text
// (a lone `@default` does not) and sits right above the declaration (no blank line in between,
// so a file header does not count). Overloaded functions and methods carry their docs on the
// overload signatures: the implementation is not checked.
//
// Usage: node scripts/check-docs.ts [root]   (root defaults to the repo root; it needs
// tsconfig.json and src/index.ts). Prints `missing JSDoc: <name> (<file>:<line>)` for each gap
// and exits 1; otherwise prints `every export of src/index.ts is documented (N exports, M members)`.
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..'));

/** Stops with the diagnostics of a config or program that could not be read. */
function fail(diagnostics: readonly ts.Diagnostic[]): never {
  const host: ts.FormatDiagnosticsHost = {
    getCanonicalFileName: (fileName) => fileName,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  };
  console.error(ts.formatDiagnostics(diagnostics, host));
  process.exit(2);
}

const configPath = path.join(root, 'tsconfig.json');
const config = ts.readConfigFile(configPath, (fileName) => ts.sys.readFile(fileName));
if (config.error !== undefined) fail([config.error]);
const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
const entry = path.join(root, 'src/index.ts');
const program = ts.createProgram({ rootNames: [entry], options: parsed.options });
const checker = program.getTypeChecker();
const source = program.getSourceFile(entry);
if (source === undefined) {
  console.error(`cannot read ${entry}`);
  process.exit(2);
}
const moduleSymbol = checker.getSymbolAtLocation(source);
if (moduleSymbol === undefined) {
  console.error(`${entry} is not a module`);
  process.exit(2);
}

const missing: string[] = [];
let membersChecked = 0;

/**
 * Whether the node has a JSDoc block with comment text right above it (a lone `@default` does not count,
 * nor does a block separated from the declaration by a blank line, such as a file header).
 * For a variable declaration the JSDoc sits on its statement; getJSDocCommentsAndTags handles that.
 */
function hasDoc(node: ts.Node): boolean {
  const last = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc).at(-1);
  if (last === undefined) return false;
  const sf = last.getSourceFile();
  const between = sf.text.slice(last.end, last.parent.getStart(sf, false));
  if (/\n[ \t]*\r?\n/.test(between)) return false;
  return (ts.getTextOfJSDocComment(last.comment) ?? '').trim() !== '';
}

/** `file:line` of the node, the file relative to the root. */
function where(node: ts.Node): string {
  const sf = node.getSourceFile();
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return `${path.relative(root, sf.fileName)}:${line + 1}`;
}

function report(name: string, node: ts.Node): void {
  missing.push(`missing JSDoc: ${name} (${where(node)})`);
}

function memberName(m: ts.TypeElement | ts.ClassElement): string {
  if (ts.isCallSignatureDeclaration(m)) return '(call signature)';
  if (ts.isConstructSignatureDeclaration(m)) return '(construct signature)';
  if (ts.isIndexSignatureDeclaration(m)) return '(index signature)';
  return m.name === undefined ? '(anonymous)' : m.name.getText();
}

/** The type annotation of an interface or type-literal member, if any. */
function memberType(m: ts.TypeElement): ts.TypeNode | undefined {
  if (ts.isPropertySignature(m)) return m.type;
  if (ts.isFunctionLike(m)) return m.type;
  return undefined;
}

/** Members of a type literal / interface body, then any type literals nested in their types. */
function checkMembers(owner: string, members: readonly ts.TypeElement[]): void {
  for (const m of members) {
    const name = `${owner}.${memberName(m)}`;
    membersChecked++;
    if (!hasDoc(m)) report(name, m);
    const type = memberType(m);
    if (type !== undefined) walkType(name, type);
  }
}

/** Finds type literals inside a type node (unions, intersections, arrays, generics, readonly...). */
function walkType(owner: string, node: ts.TypeNode | undefined): void {
  if (node === undefined) return;
  if (ts.isTypeLiteralNode(node)) {
    checkMembers(owner, node.members);
    return;
  }
  // Do not descend into function types' parameters: those are parameter types, not members.
  if (ts.isFunctionTypeNode(node) || ts.isConstructorTypeNode(node)) {
    walkType(owner, node.type);
    return;
  }
  ts.forEachChild(node, (child) => {
    if (ts.isTypeNode(child)) walkType(owner, child);
  });
}

function resolveAlias(symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

const exported = checker.getExportsOfModule(moduleSymbol);
/** Exported symbols (after aliases) of the entry, to tell exported base interfaces from internal ones. */
const exportedTargets = new Set(exported.map(resolveAlias));

/** Members an exported interface inherits from interfaces that are not exported themselves (so not checked on their own). */
function checkBases(owner: string, decl: ts.InterfaceDeclaration, visited = new Set<ts.Symbol>()): void {
  for (const clause of decl.heritageClauses ?? []) {
    for (const t of clause.types) {
      const found = checker.getSymbolAtLocation(t.expression);
      if (found === undefined) continue;
      const sym = resolveAlias(found);
      if (visited.has(sym) || exportedTargets.has(sym)) continue;
      visited.add(sym);
      for (const base of sym.declarations ?? []) {
        if (!ts.isInterfaceDeclaration(base)) continue;
        checkMembers(`${owner} (from ${sym.getName()})`, base.members);
        checkBases(owner, base, visited);
      }
    }
  }
}

function isPublic(m: ts.NamedDeclaration): boolean {
  if (ts.getCombinedModifierFlags(m) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
  return m.name === undefined || !ts.isPrivateIdentifier(m.name);
}

/** Public members of an exported class; overload implementations are skipped when overload signatures exist. */
function checkClass(name: string, decl: ts.ClassDeclaration): void {
  for (const m of decl.members) {
    if (ts.isClassStaticBlockDeclaration(m) || ts.isSemicolonClassElement(m)) continue;
    if (!isPublic(m)) continue;
    if (ts.isConstructorDeclaration(m)) {
      // Parameter properties are public members too.
      for (const p of m.parameters) {
        if (ts.getCombinedModifierFlags(p) & ts.ModifierFlags.ParameterPropertyModifier && isPublic(p)) {
          membersChecked++;
          if (!hasDoc(p)) report(`${name}.${p.name.getText()}`, p);
        }
      }
      if (m.body !== undefined && decl.members.some((o) => o !== m && ts.isConstructorDeclaration(o))) continue;
    }
    if (
      ts.isMethodDeclaration(m) &&
      m.body !== undefined &&
      decl.members.some(
        (o) => o !== m && ts.isMethodDeclaration(o) && o.body === undefined && o.name.getText() === m.name.getText(),
      )
    ) {
      continue;
    }
    membersChecked++;
    if (!hasDoc(m)) report(`${name}.${ts.isConstructorDeclaration(m) ? 'constructor' : memberName(m)}`, m);
  }
}

const seen = new Set<string>();
for (const exp of exported) {
  const target = resolveAlias(exp);
  const name = exp.getName();
  const declarations = target.declarations ?? [];
  for (const decl of declarations) {
    const key = `${name}@${where(decl)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // Implementation of an overloaded function: the overloads carry the docs.
    if (ts.isFunctionDeclaration(decl) && decl.body !== undefined && declarations.length > 1) continue;
    if (!hasDoc(decl)) report(name, decl);
    if (ts.isInterfaceDeclaration(decl)) {
      checkMembers(name, decl.members);
      checkBases(name, decl);
    } else if (ts.isTypeAliasDeclaration(decl)) {
      walkType(name, decl.type);
    } else if (ts.isClassDeclaration(decl)) {
      checkClass(name, decl);
    }
  }
}

if (missing.length === 0) {
  console.log(`every export of src/index.ts is documented (${exported.length} exports, ${membersChecked} members)`);
} else {
  for (const line of missing) console.log(line);
  process.exitCode = 1;
}
