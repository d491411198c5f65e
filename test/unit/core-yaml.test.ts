import { expect } from 'chai';

import { InputError, type JSONObject } from '../../core/index.ts';
import { MAX_ALIAS_COUNT, MAX_NESTING_DEPTH, parseDocuments } from '../../core/engine.ts';

function inputError(text: string, source = 'run.yaml'): string {
  try {
    parseDocuments(text, source);
  } catch (error) {
    expect(error).to.be.instanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('core/yaml: parseDocuments', () => {
  it('returns every non-empty document, YAML or JSON', () => {
    expect(parseDocuments('---\na: 1\n---\n---\n# only a comment\n---\nb: [x]\n', 'f.yaml')).to.deep.equal([
      { a: 1 },
      { b: ['x'] },
    ]);
    expect(parseDocuments('{"kind": "WorkflowRun", "n": [1, 2.5, null]}', 'f.json')).to.deep.equal([
      { kind: 'WorkflowRun', n: [1, 2.5, null] },
    ]);
    expect(parseDocuments('', 'empty.yaml')).to.deep.equal([]);
  });

  it('reads scalars by the YAML 1.2 core schema', () => {
    expect(
      parseDocuments('a: on\nb: yes\nc: 0755\nd: 0o17\ne: ~\nf: 1e3\ng: "true"\n', 'f.yaml'),
    ).to.deep.equal([{ a: 'on', b: 'yes', c: 755, d: 15, e: null, f: 1000, g: 'true' }]);
  });

  it('names the source, line and column of a syntax error in one line', () => {
    expect(inputError('a: [1,\n b: }\n')).to.match(/^run\.yaml: line 2, column \d+: [^\n]+$/);
    expect(inputError('a:\n\tb: 1\n')).to.equal(
      'run.yaml: line 2, column 1: Tabs are not allowed as indentation',
    );
  });

  it('refuses duplicate keys', () => {
    expect(inputError('a: 1\na: 2\n')).to.equal('run.yaml: line 2, column 1: duplicate key "a"');
  });

  it('refuses alias bombs', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
    ].join('\n');
    expect(inputError(bomb)).to.equal(
      `run.yaml: too many alias expansions (more than ${MAX_ALIAS_COUNT}); is it an alias bomb?`,
    );
    expect(parseDocuments('a: &x {b: 1}\nc: *x\n', 'f.yaml')).to.deep.equal([{ a: { b: 1 }, c: { b: 1 } }]);
  });

  it('refuses nesting the parser cannot survive, in flow and block style, before parsing it', () => {
    const message = `run.yaml: nested more than ${MAX_NESTING_DEPTH} levels deep`;
    expect(inputError('['.repeat(50_000) + ']'.repeat(50_000))).to.equal(message);
    expect(
      inputError(Array.from({ length: 5000 }, (_, level) => `${' '.repeat(level)}a:`).join('\n') + ' 1\n'),
    ).to.equal(message);
    expect(inputError(`${'- '.repeat(5000)}x\n`)).to.equal(message);
    const fine = '['.repeat(100) + ']'.repeat(100);
    expect(parseDocuments(fine, 'f.yaml')).to.have.length(1);
  });

  it('does not count brackets inside quotes, comments or block scalars as nesting', () => {
    const text = [
      `a: "${'['.repeat(500)}"`,
      `b: '${'{'.repeat(500)}'`,
      `# ${'['.repeat(500)}`,
      'c: |',
      `  ${'['.repeat(500)}`,
      'd: ok',
    ].join('\n');
    expect(parseDocuments(text, 'f.yaml')).to.deep.equal([
      { a: '['.repeat(500), b: '{'.repeat(500), c: `${'['.repeat(500)}\n`, d: 'ok' },
    ]);
  });

  it('refuses values JSON cannot hold', () => {
    expect(inputError('a: .inf\n')).to.equal('run.yaml: Infinity is not a JSON number');
    expect(inputError('a: !!binary aGVsbG8=\n')).to.match(/^run\.yaml: unsupported YAML value/);
  });

  it('keeps __proto__, constructor and prototype keys as plain data and leaves Object.prototype alone', () => {
    const [document] = parseDocuments(
      '__proto__: {polluted: true}\nconstructor: {prototype: {polluted: true}}\nnested:\n  __proto__: [1]\n',
      'f.yaml',
    ) as JSONObject[];
    expect(Object.getPrototypeOf(document)).to.equal(Object.prototype);
    expect(Object.hasOwn(document!, '__proto__')).to.equal(true);
    expect(JSON.stringify(document)).to.equal(
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"nested":{"__proto__":[1]}}',
    );
    expect(({} as JSONObject).polluted).to.equal(undefined);
    expect(Object.prototype).to.not.have.own.property('polluted');
  });
});
