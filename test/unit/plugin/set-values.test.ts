import { expect } from 'chai';
import fc from 'fast-check';

import { UsageError } from '../../../kubectl-plugin/cmdutil/errors.ts';
import {
  applySetFlags,
  deepMerge,
  parseSetPath,
  parseSetValue,
  setPathKey,
  splitAssignment,
} from '../../../kubectl-plugin/set-values.ts';

describe('plugin --set and --values', () => {
  describe('parseSetPath', () => {
    it('splits keys at dots and reads list indexes', () => {
      expect(parseSetPath('a.b[0].c')).to.deep.equal([
        { key: 'a' },
        { key: 'b' },
        { index: 0 },
        { key: 'c' },
      ]);
      expect(parseSetPath('m[1][2]')).to.deep.equal([{ key: 'm' }, { index: 1 }, { index: 2 }]);
    });

    it('keeps escaped dots, brackets and equals signs inside a key', () => {
      expect(parseSetPath('labels.app\\.kubernetes\\.io/name')).to.deep.equal([
        { key: 'labels' },
        { key: 'app.kubernetes.io/name' },
      ]);
      expect(parseSetPath('a\\[0\\]\\=x')).to.deep.equal([{ key: 'a[0]=x' }]);
    });

    for (const [path, why] of [
      ['', 'has no parameter name'],
      ['.a', 'has an empty key'],
      ['a..b', 'has an empty key'],
      ['a.', 'has an empty key'],
      ['[0]', 'a list index needs a name before it'],
      ['a[x]', 'list indexes must be written'],
      ['a[0', 'list indexes must be written'],
      ['a[0]b', 'expected "." or "[" after "]"'],
      ['a\\', 'ends with a lone backslash'],
      ['a[99999999999999999999]', 'too large'],
    ] as const) {
      it(`refuses ${JSON.stringify(path)}: ${why}`, () => {
        expect(() => parseSetPath(path))
          .to.throw(UsageError)
          .with.property('message')
          .that.includes(why);
      });
    }

    it('refuses paths deeper than 64 levels', () => {
      expect(() => parseSetPath(Array(65).fill('a').join('.'))).to.throw(UsageError, /deeper than 64/);
    });
  });

  describe('parseSetValue (typed as JSON would type it)', () => {
    const cases: [string, unknown][] = [
      ['3', 3],
      ['-2.5', -2.5],
      ['true', true],
      ['false', false],
      ['null', null],
      ['"3"', '3'],
      ['[1,"a"]', [1, 'a']],
      ['{"a":{"b":1}}', { a: { b: 1 } }],
      ['main', 'main'],
      ['', ''],
      ['a1b2c3', 'a1b2c3'],
      ['https://example.com/x?y=1', 'https://example.com/x?y=1'],
      ['{not json', '{not json'],
    ];
    for (const [text, expected] of cases) {
      it(`${JSON.stringify(text)} -> ${JSON.stringify(expected)}`, () => {
        expect(parseSetValue(text)).to.deep.equal(expected);
      });
    }

    it('refuses numbers that would silently change value', () => {
      expect(() => parseSetValue('12345678901234567890', '--set', 'commit')).to.throw(UsageError, /quote it/);
      expect(() => parseSetValue('1e400')).to.throw(UsageError);
    });

    it('keeps __proto__ keys of a JSON value as data', () => {
      const value = parseSetValue('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
      expect(Object.hasOwn(value, '__proto__')).to.equal(true);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    });
  });

  describe('splitAssignment', () => {
    it('splits at the first unescaped "="', () => {
      expect(splitAssignment('a=b=c')).to.deep.equal({ path: 'a', value: 'b=c' });
      expect(splitAssignment('a\\=b=c')).to.deep.equal({ path: 'a\\=b', value: 'c' });
    });
    it('refuses an assignment without "="', () => {
      expect(() => splitAssignment('abc')).to.throw(UsageError, 'expected path=value');
    });
  });

  describe('applySetFlags', () => {
    it('creates maps and lists on the way and applies flags in order', () => {
      const result = applySetFlags({ keep: 1 }, [
        'repository.url=https://x',
        'repository.revision.branch=dev',
        'tags[0]=a',
        'tags[1]=b',
        'tags[0]=z',
        'matrix[0].os=linux',
        'replicas=3',
      ]);
      expect(result).to.deep.equal({
        keep: 1,
        repository: { url: 'https://x', revision: { branch: 'dev' } },
        tags: ['z', 'b'],
        matrix: [{ os: 'linux' }],
        replicas: 3,
      });
    });

    it('does not change its input', () => {
      const base = { a: { b: 1 } };
      applySetFlags(base, ['a.b=2']);
      expect(base).to.deep.equal({ a: { b: 1 } });
    });

    it('replaces a plain value with a map, as Helm does', () => {
      expect(applySetFlags({ revision: 'main' }, ['revision.branch=dev'])).to.deep.equal({
        revision: { branch: 'dev' },
      });
    });

    it('refuses to turn a list into a map or the reverse', () => {
      expect(() => applySetFlags({ tags: ['a'] }, ['tags.x=1'])).to.throw(
        UsageError,
        /holds a list, not a map/,
      );
      expect(() => applySetFlags({ m: { a: 1 } }, ['m[0]=1'])).to.throw(
        UsageError,
        /holds a map, not a list/,
      );
    });

    it('refuses an index that would leave a gap', () => {
      expect(() => applySetFlags({}, ['tags[1]=a'])).to.throw(UsageError, /gap \(the list has 0 items\)/);
    });

    it('keeps __proto__, constructor and prototype as plain keys', () => {
      const result = applySetFlags({}, [
        '__proto__.polluted=true',
        'constructor.prototype.x=1',
        'a.__proto__=2',
      ]);
      expect(Object.keys(result)).to.deep.equal(['__proto__', 'constructor', 'a']);
      expect(JSON.parse(JSON.stringify(result))).to.deep.equal({
        ['__proto__']: { polluted: true },
        constructor: { prototype: { x: 1 } },
        a: { ['__proto__']: 2 },
      });
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
      expect(Object.getPrototypeOf(result)).to.equal(Object.prototype);
    });
  });

  describe('deepMerge', () => {
    it('merges maps key by key and replaces lists and plain values; later wins', () => {
      const merged = deepMerge({ a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { c: [3], e: true }, d: { f: 1 } });
      expect(merged).to.deep.equal({ a: { b: 1, c: [3], e: true }, d: { f: 1 } });
    });
  });

  it('writes any non-empty key so that --set reads it back as one key (describe and params print paths so)', () => {
    expect(setPathKey('app.kubernetes.io/name')).to.equal('app\\.kubernetes\\.io/name');
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 4 }), (keys) => {
        const path = keys.map(setPathKey).join('.');
        expect(parseSetPath(path)).to.deep.equal(keys.map((key) => ({ key })));
        expect(splitAssignment(`${path}=v`)).to.deep.equal({ path, value: 'v' });
      }),
      { numRuns: 300 },
    );
  });
});
