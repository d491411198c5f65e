// How Go holds a schema's numbers (core/go/apimachinery-json.ts): the int64 range is [-2^63, 2^63), and a bound
// converts to int64 as amd64 does.
import { expect } from 'chai';
import { isGoInt64, toInt64 } from '../../core/go/apimachinery-json.ts';

describe('core/go/apimachinery-json', () => {
  it('holds a whole number as an int64 from MinInt64 up to, not including, 2^63', () => {
    for (const value of [0, -0, 5, -5, 2 ** 53, -(2 ** 63), 2 ** 63 - 1024]) {
      expect(isGoInt64(value), String(value)).to.equal(true);
    }
    for (const value of [0.5, -5.5, 2 ** 63, -(2 ** 63) - 2048, 1e21, Infinity, NaN]) {
      expect(isGoInt64(value), String(value)).to.equal(false);
    }
  });

  it('converts a bound by truncation, and one outside the int64 range to MinInt64', () => {
    expect(toInt64(5.9)).to.equal(5n);
    expect(toInt64(-5.9)).to.equal(-5n);
    expect(toInt64(-(2 ** 63))).to.equal(-(2n ** 63n));
    expect(toInt64(2 ** 63)).to.equal(-(2n ** 63n));
    expect(toInt64(1e19)).to.equal(-(2n ** 63n));
    expect(toInt64(NaN)).to.equal(-(2n ** 63n));
  });
});
