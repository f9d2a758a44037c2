// The runnable-block convention (see ./runnable-blocks.ts): markers are well-formed in
// every doc, every ts/js block is marked runnable or fragment, and the extractor finds
// exactly the marked blocks. The blocks themselves
// run against the packed tarballs in test/integration/doc-blocks.test.ts.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codeBlocks, extractCodeBlocks, extractRunnableBlocks, runnableBlocks } from './runnable-blocks.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fence = '```';

describe('runnable doc blocks', () => {
  it('extracts marked blocks with their heading, language and options, and nothing else', () => {
    const md = [
      '# Guide',
      '## Install',
      `${fence}ts`,
      '<!-- runnable -->',
      'const insideAFence = true;',
      fence,
      '## Run it',
      '<!-- runnable {"port": "PORT", "expect": ["up 1"]} -->',
      '',
      `${fence}ts`,
      "console.log('a');",
      fence,
      `${fence}ts`,
      "console.log('not marked');",
      fence,
      '### Script',
      '<!--runnable-->',
      `~~~js`,
      'process.exit(0);',
      '~~~',
    ].join('\n');
    const blocks = extractRunnableBlocks('guide.md', md);
    expect(blocks).toEqual([
      {
        file: 'guide.md',
        line: 10,
        heading: 'Run it',
        lang: 'ts',
        code: "console.log('a');\n",
        spec: { port: 'PORT', expect: ['up 1'] },
      },
      { file: 'guide.md', line: 18, heading: 'Script', lang: 'js', code: 'process.exit(0);\n', spec: {} },
    ]);
  });

  it.each([
    [
      'no fence after the marker',
      '<!-- runnable -->\ntext',
      /guide\.md:1: a runnable marker must be followed/,
    ],
    ['a shell block', `<!-- runnable -->\n${fence}sh\nls\n${fence}`, /not "sh"/],
    ['options that are not JSON', `<!-- runnable {port: 1} -->\n${fence}ts\n${fence}`, /not JSON/],
    [
      'an unknown option',
      `<!-- runnable {"ports": "PORT"} -->\n${fence}ts\n${fence}`,
      /unknown runnable option "ports"/,
    ],
    [
      'expect without port',
      `<!-- runnable {"expect": ["x"]} -->\n${fence}ts\n${fence}`,
      /needs "port", "otlp" or "pushgateway"/,
    ],
    ['path without port', `<!-- runnable {"path": "/x"} -->\n${fence}ts\n${fence}`, /"path" needs "port"/],
    [
      'a fragment marker with options',
      `<!-- fragment {"port": "P"} -->\n${fence}ts\n${fence}`,
      /takes no options/,
    ],
    [
      'a marker before text',
      `<!-- fragment -->\ntext\n${fence}ts\n${fence}`,
      /fragment marker must be followed/,
    ],
    [
      'a marker at the end',
      `${fence}ts\n${fence}\n<!-- runnable -->\n`,
      /guide\.md:3: a runnable marker must be followed/,
    ],
    [
      'a server that pushes',
      `<!-- runnable {"port": "PORT", "pushgateway": "GW"} -->\n${fence}ts\n${fence}`,
      /"port" and "pushgateway" do not go together/,
    ],
    ['an unclosed block', `<!-- runnable -->\n${fence}ts\nx`, /not closed/],
  ])('rejects %s', (_label, md, error) => {
    expect(() => extractRunnableBlocks('guide.md', md)).toThrow(error);
  });

  it('every marker in README.md, docs/ and packages/*/README.md is well-formed', () => {
    const blocks = runnableBlocks(root);
    const where = blocks.map((b) => `${b.file} › ${b.heading}`);
    expect(where).toEqual(
      expect.arrayContaining([
        'README.md › Quick start (Express)',
        'docs/getting-started/worker.md › 2. Instrument the channel and start a metrics server',
      ]),
    );
  });

  it('tells runnable, fragment and unmarked blocks apart, and skips other languages', () => {
    const md = [
      '## A',
      '<!-- fragment -->',
      `${fence}ts`,
      'app.use(x);',
      fence,
      `${fence}sh`,
      'npm install',
      fence,
      `${fence}js`,
      'f();',
      fence,
      '<!-- runnable -->',
      `${fence}mjs`,
      'g();',
      fence,
    ].join('\n');
    expect(extractCodeBlocks('g.md', md).map((b) => [b.line, b.lang, b.kind])).toEqual([
      [3, 'ts', 'fragment'],
      [9, 'js', undefined],
      [13, 'mjs', 'runnable'],
    ]);
  });

  it('every ts/js block in README.md, docs/ and packages/*/README.md is marked runnable or fragment', () => {
    const blocks = codeBlocks(root);
    expect(blocks.length).toBeGreaterThan(40);
    const unmarked = blocks
      .filter((b) => b.kind === undefined)
      .map((b) => `${b.file}:${b.line} › ${b.heading}`);
    expect(
      unmarked,
      'mark each with <!-- runnable ... --> (a complete program) or <!-- fragment --> (see test/repo/runnable-blocks.ts)',
    ).toEqual([]);
  });
});
