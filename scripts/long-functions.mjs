#!/usr/bin/env node
// Lists functions longer than a limit (default 80 lines) in the packages' sources:
// `node scripts/long-functions.mjs [limit]`. Exit code 1 when any is found.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const limit = Number(process.argv[2] ?? 80);
const root = new URL('../packages/', import.meta.url).pathname;
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(p);
  }
}
for (const pkg of readdirSync(root)) {
  try {
    walk(join(root, pkg, 'src'));
  } catch {
    // no src
  }
}
const found = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines = text.split('\n').length;
  if (lines > 600) found.push(`${file.slice(root.length)}: file has ${lines} lines (> 600)`);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (end - start + 1 > limit) {
        const name =
          node.name?.getText() ??
          (ts.isArrowFunction(node) || ts.isFunctionExpression(node) ? '(anonymous)' : '?');
        found.push(`${file.slice(root.length)}:${start + 1}: ${name} has ${end - start + 1} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
for (const f of found) console.log(f);
console.log(
  found.length === 0 ? `no function over ${limit} lines, no file over 600` : `${found.length} found`,
);
process.exit(found.length === 0 ? 0 : 1);
