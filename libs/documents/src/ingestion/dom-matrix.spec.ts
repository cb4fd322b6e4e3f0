import { DomMatrix2d, installDomMatrix } from './dom-matrix';

const values = (m: DomMatrix2d) => [m.a, m.b, m.c, m.d, m.e, m.f];

describe('DomMatrix2d (pdf.js in the confined extraction process)', () => {
  it('is the identity by default and takes 6 numbers or a column-major 4×4', () => {
    expect(values(new DomMatrix2d())).toEqual([1, 0, 0, 1, 0, 0]);
    expect(new DomMatrix2d().isIdentity).toBe(true);
    expect(values(new DomMatrix2d([2, 3, 4, 5, 6, 7]))).toEqual([2, 3, 4, 5, 6, 7]);
    const m44 = [2, 3, 0, 0, 4, 5, 0, 0, 0, 0, 1, 0, 6, 7, 0, 1];
    expect(values(new DomMatrix2d(m44))).toEqual([2, 3, 4, 5, 6, 7]);
    expect(() => new DomMatrix2d([1, 2, 3])).toThrow(TypeError);
  });

  it('scales, translates, multiplies and inverts like DOMMatrix', () => {
    // what pdf.js's worker does for type 3 image masks
    const { a, b, c, d, e, f } = new DomMatrix2d().scaleSelf(1 / 4, -1 / 2).translateSelf(0, -2);
    expect([a, b, c, d, e, f]).toEqual([0.25, 0, 0, -0.5, 0, 1]);
    const m = new DomMatrix2d([2, 1, 1, 3, 5, 7]);
    const product = m.multiply(m.inverse());
    values(product).forEach((v, i) => expect(v).toBeCloseTo([1, 0, 0, 1, 0, 0][i]));
    expect(m.transformPoint({ x: 1, y: 1 })).toEqual({ x: 8, y: 11 });
    const pre = new DomMatrix2d([1, 0, 0, 1, 10, 0]).preMultiplySelf(
      new DomMatrix2d([2, 0, 0, 2, 0, 0]),
    );
    expect(values(pre)).toEqual([2, 0, 0, 2, 20, 0]);
    expect(values(new DomMatrix2d([0, 0, 0, 0, 0, 0]).invertSelf()).every(Number.isNaN)).toBe(true);
  });

  it('is installed only where there is no DOMMatrix', () => {
    const global = globalThis as { DOMMatrix?: unknown };
    const before = global.DOMMatrix;
    try {
      delete global.DOMMatrix;
      installDomMatrix();
      expect(global.DOMMatrix).toBe(DomMatrix2d);
      const other = class {};
      global.DOMMatrix = other;
      installDomMatrix();
      expect(global.DOMMatrix).toBe(other);
    } finally {
      global.DOMMatrix = before;
    }
  });
});
