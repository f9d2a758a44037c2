// Runnable documentation blocks: the convention, and the extractor shared by the unit
// test (runnable-blocks.test.ts: every marker is well-formed, every ts/js block is marked)
// and the integration test that runs the blocks against the packed tarballs
// (test/integration/doc-blocks.test.ts).
//
// THE CONVENTION. Every ts/js/mjs code block in README.md, docs/**/*.md and
// packages/*/README.md carries one of two markers, an HTML comment on the line before its
// fence (Markdown renderers hide it); an unmarked block fails the unit test.
//
//     <!-- fragment -->
//     ```ts
//     ...deliberately partial: a line to add to an app, an options excerpt...
//     ```
//
//     <!-- runnable -->
//     ```ts
//     ...a program that must exit with code 0 within 60 s...
//     ```
//
//     <!-- runnable {"port": "PORT", "path": "/metrics", "expect": ["http_requests_total"]} -->
//     ```ts
//     ...a server...
//     ```
//
// A block that is (or with a few lines would be) a complete program is runnable; use
// `fragment` only for what cannot stand alone. The JSON after `runnable` (optional)
// describes a long-running program:
//   port     name of the environment variable the program reads its port from; the test
//            sets it to a free port on 127.0.0.1
//   path     the path to GET there (default `/metrics`), with `Authorization: Bearer
//            $METRICS_BEARER_TOKEN`; the test polls until it answers 200 and its body
//            contains every `expect` string (`$NAME` in them is replaced by that variable)
//   otlp     name of the environment variable the program reads an OTLP/HTTP endpoint
//            from (OTEL_EXPORTER_OTLP_ENDPOINT); the test sets it to a receiver of its own
//            and, without `port`, waits until the JSON pushed there contains every `expect`
//            string
//   publish  name of the environment variable the program reads a RabbitMQ queue name
//            from; the test sets it to a fresh queue and publishes one message to it
//   env      extra environment variables for the program
//   pushgateway  name of the environment variable the program reads a Pushgateway URL
//            from; the test starts a real one (prometheus-pushgateway) and, once the
//            program has exited with code 0, its /metrics must contain every `expect`
//            string (without `port`, the program is a job that exits)
// Then the test sends SIGTERM: the program must exit with code 0 (or, having installed no
// handler, be ended by the signal) within 10 s. Every program gets METRICS_BEARER_TOKEN
// and RABBITMQ_URL (a real broker at 127.0.0.1:5672). The blocks of one Markdown file run
// in document order in one working directory, so a later block reads what an earlier one
// wrote (as a reader following the page would). `ts` blocks are type-checked by tsc
// (strict, NodeNext; one tsc run for all of them) and run as ES modules; `js`/`mjs`
// blocks run as they are.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface RunnableSpec {
  port?: string;
  path?: string;
  expect?: string[];
  publish?: string;
  pushgateway?: string;
  otlp?: string;
  env?: Record<string, string>;
}

export interface RunnableBlock {
  /** Path relative to the repository root. */
  file: string;
  /** 1-based line of the fence. */
  line: number;
  /** The nearest heading above the block. */
  heading: string;
  lang: 'ts' | 'js' | 'mjs';
  code: string;
  spec: RunnableSpec;
}

/** A ts/js/mjs block with its marker: `runnable`, `fragment`, or none (an error in the docs). */
export interface CodeBlock extends RunnableBlock {
  kind: 'runnable' | 'fragment' | undefined;
}

const LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);
const SPEC_KEYS = new Set(['port', 'path', 'expect', 'publish', 'otlp', 'env', 'pushgateway']);
const MARKER = /^<!--\s*(runnable|fragment)\b(.*?)-->\s*$/;

function parseSpec(text: string, where: string): RunnableSpec {
  if (text.trim() === '') return {};
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: the runnable marker's options are not JSON (${(error as Error).message})`);
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new Error(`${where}: the runnable marker's options must be a JSON object`);
  for (const key of Object.keys(spec))
    if (!SPEC_KEYS.has(key)) throw new Error(`${where}: unknown runnable option "${key}"`);
  const s = spec as RunnableSpec;
  for (const key of ['port', 'path', 'publish', 'otlp', 'pushgateway'] as const)
    if (s[key] !== undefined && typeof s[key] !== 'string')
      throw new Error(`${where}: runnable option "${key}" must be a string`);
  if (s.expect !== undefined && !(Array.isArray(s.expect) && s.expect.every((e) => typeof e === 'string')))
    throw new Error(`${where}: runnable option "expect" must be an array of strings`);
  if (s.path !== undefined && s.port === undefined)
    throw new Error(`${where}: runnable option "path" needs "port"`);
  if (s.expect !== undefined && s.port === undefined && s.otlp === undefined && s.pushgateway === undefined)
    throw new Error(`${where}: runnable option "expect" needs "port", "otlp" or "pushgateway"`);
  if (s.port !== undefined && s.pushgateway !== undefined)
    throw new Error(`${where}: runnable options "port" and "pushgateway" do not go together`);
  return s;
}

/** Every ts/js/mjs code block of one Markdown file, marked or not; throws on a malformed marker. */
export function extractCodeBlocks(file: string, text: string): CodeBlock[] {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  let heading = '(top of file)';
  let pending: { kind: 'runnable' | 'fragment'; spec: RunnableSpec; where: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const open = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (open) {
      const fence = open[1] ?? '```';
      const close = lines.findIndex(
        (l, k) => k > i && (/^\s*(`{3,}|~{3,})\s*$/.exec(l)?.[1] ?? '').startsWith(fence),
      );
      const where = pending?.where ?? `${file}:${i + 1}`;
      if (close < 0) throw new Error(`${where}: the code block is not closed`);
      const lang = (open[2] ?? '').toLowerCase();
      if (pending !== undefined && !LANGS.has(lang))
        throw new Error(`${where}: ${pending.kind} blocks are ts or js programs, not "${lang}"`);
      if (LANGS.has(lang))
        blocks.push({
          file,
          line: i + 1,
          heading,
          lang: lang === 'typescript' ? 'ts' : lang === 'javascript' ? 'js' : (lang as 'ts' | 'js' | 'mjs'),
          code: `${lines.slice(i + 1, close).join('\n')}\n`,
          kind: pending?.kind,
          spec: pending?.spec ?? {},
        });
      pending = undefined;
      i = close;
      continue;
    }
    if (line.trim() === '') continue;
    if (pending !== undefined)
      throw new Error(`${pending.where}: a ${pending.kind} marker must be followed by a fenced code block`);
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (h) heading = h[1]?.trim() ?? heading;
    const marker = MARKER.exec(line.trim());
    if (!marker) continue;
    const where = `${file}:${i + 1}`;
    const kind = marker[1] as 'runnable' | 'fragment';
    if (kind === 'fragment' && (marker[2] ?? '').trim() !== '')
      throw new Error(`${where}: a fragment marker takes no options`);
    pending = { kind, spec: kind === 'runnable' ? parseSpec(marker[2] ?? '', where) : {}, where };
  }
  if (pending !== undefined)
    throw new Error(`${pending.where}: a ${pending.kind} marker must be followed by a fenced code block`);
  return blocks;
}

/** The blocks of one Markdown file marked runnable; throws on a malformed marker. */
export function extractRunnableBlocks(file: string, text: string): RunnableBlock[] {
  return extractCodeBlocks(file, text)
    .filter((b) => b.kind === 'runnable')
    .map(({ kind: _kind, ...block }) => block);
}

/** README.md, docs/**\/*.md and packages/*\/README.md under `root`. */
export function docFiles(root: string): string[] {
  const files = [join(root, 'README.md')];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.md')) files.push(path);
    }
  };
  walk(join(root, 'docs'));
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    const readme = join(root, 'packages', pkg, 'README.md');
    if (existsSync(readme)) files.push(readme);
  }
  return files;
}

/** Every ts/js/mjs block of the repository's docs, marked or not. */
export function codeBlocks(root: string): CodeBlock[] {
  return docFiles(root).flatMap((path) =>
    extractCodeBlocks(relative(root, path), readFileSync(path, 'utf8')),
  );
}

/** Every runnable block of the repository's docs. */
export function runnableBlocks(root: string): RunnableBlock[] {
  return docFiles(root).flatMap((path) =>
    extractRunnableBlocks(relative(root, path), readFileSync(path, 'utf8')),
  );
}
