/**
 * A pure-JavaScript 2D `DOMMatrix` for pdf.js in the confined extraction process.
 *
 * On Node, pdf.js takes `DOMMatrix` from the native `@napi-rs/canvas` addon and fails to load
 * without one (a module-level `new DOMMatrix()`). The extraction process may not load native
 * addons (its permission model has no `--allow-addons`), and text extraction never renders, so it
 * gets this affine 2D matrix instead: `[a c e; b d f; 0 0 1]`, with the methods pdf.js calls
 * (construction from six numbers, `scaleSelf`, `translateSelf`, `multiplySelf`, `invertSelf`).
 */
export class DomMatrix2d {
  a = 1;
  b = 0;
  c = 0;
  d = 1;
  e = 0;
  f = 0;
  readonly is2D = true;

  constructor(init?: ArrayLike<number>) {
    if (init === undefined) return;
    if (init.length === 6) {
      [this.a, this.b, this.c, this.d, this.e, this.f] = Array.from(init);
    } else if (init.length === 16) {
      // column-major 4×4: m11 m12 _ _ m21 m22 _ _ _ _ _ _ m41 m42 _ _
      [this.a, this.b, this.c, this.d, this.e, this.f] = [0, 1, 4, 5, 12, 13].map((i) => init[i]);
    } else {
      throw new TypeError('A DOMMatrix is made from 6 or 16 numbers.');
    }
  }

  get isIdentity(): boolean {
    return (
      this.a === 1 && this.b === 0 && this.c === 0 && this.d === 1 && this.e === 0 && this.f === 0
    );
  }

  /** this = this × other */
  multiplySelf(other: DomMatrix2d): this {
    const { a, b, c, d, e, f } = this;
    this.a = a * other.a + c * other.b;
    this.b = b * other.a + d * other.b;
    this.c = a * other.c + c * other.d;
    this.d = b * other.c + d * other.d;
    this.e = a * other.e + c * other.f + e;
    this.f = b * other.e + d * other.f + f;
    return this;
  }

  /** this = other × this */
  preMultiplySelf(other: DomMatrix2d): this {
    const product = new DomMatrix2d([other.a, other.b, other.c, other.d, other.e, other.f]);
    product.multiplySelf(this);
    return this.assign(product);
  }

  translateSelf(tx = 0, ty = 0): this {
    return this.multiplySelf(new DomMatrix2d([1, 0, 0, 1, tx, ty]));
  }

  scaleSelf(sx = 1, sy = sx): this {
    return this.multiplySelf(new DomMatrix2d([sx, 0, 0, sy, 0, 0]));
  }

  invertSelf(): this {
    const { a, b, c, d, e, f } = this;
    const det = a * d - b * c;
    if (det === 0 || !Number.isFinite(det)) {
      return this.assign(new DomMatrix2d([NaN, NaN, NaN, NaN, NaN, NaN]));
    }
    return this.assign(
      new DomMatrix2d([
        d / det,
        -b / det,
        -c / det,
        a / det,
        (c * f - d * e) / det,
        (b * e - a * f) / det,
      ]),
    );
  }

  multiply(other: DomMatrix2d): DomMatrix2d {
    return this.copy().multiplySelf(other);
  }

  translate(tx?: number, ty?: number): DomMatrix2d {
    return this.copy().translateSelf(tx, ty);
  }

  scale(sx?: number, sy?: number): DomMatrix2d {
    return this.copy().scaleSelf(sx, sy);
  }

  inverse(): DomMatrix2d {
    return this.copy().invertSelf();
  }

  transformPoint(point: { x?: number; y?: number } = {}): { x: number; y: number } {
    const x = point.x ?? 0;
    const y = point.y ?? 0;
    return { x: this.a * x + this.c * y + this.e, y: this.b * x + this.d * y + this.f };
  }

  private copy(): DomMatrix2d {
    return new DomMatrix2d([this.a, this.b, this.c, this.d, this.e, this.f]);
  }

  private assign(other: DomMatrix2d): this {
    [this.a, this.b, this.c, this.d, this.e, this.f] = [
      other.a,
      other.b,
      other.c,
      other.d,
      other.e,
      other.f,
    ];
    return this;
  }
}

/** Gives `globalThis` a `DOMMatrix` when it has none (pdf.js then does not look for the addon's). */
export function installDomMatrix(): void {
  const global = globalThis as { DOMMatrix?: unknown };
  global.DOMMatrix ??= DomMatrix2d;
}
