// A tiny parser for the Python literal in an .npy header, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (1, 4, 30, 30), }
// Strings, ints (with an optional Python 2 "L" suffix), True/False/None, tuples, lists and dicts.

/** A parsed Python literal. */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** Thrown for any syntax error; callers turn it into a typed error. */
export class PyLiteralError extends Error {}

export function parsePyLiteral(src: string): PyValue {
  let i = 0;
  const ws = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new PyLiteralError(`${what} at character ${i}`);
  };
  const value = (): PyValue => {
    ws();
    const c = src[i];
    if (c === undefined) return fail("unexpected end");
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) fail("unterminated string");
      const s = src.slice(i + 1, end);
      if (s.includes("\\")) fail("escapes are not supported");
      i = end + 1;
      return s;
    }
    if (c === "{") {
      i++;
      const out: { [key: string]: PyValue } = {};
      for (;;) {
        ws();
        if (src[i] === "}") {
          i++;
          return out;
        }
        const k = value();
        if (typeof k !== "string") fail("dict keys must be strings");
        ws();
        if (src[i] !== ":") fail("expected ':'");
        i++;
        out[k as string] = value();
        ws();
        if (src[i] === ",") i++;
        else if (src[i] !== "}") fail("expected ',' or '}'");
      }
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      i++;
      const out: PyValue[] = [];
      for (;;) {
        ws();
        if (src[i] === close) {
          i++;
          return out;
        }
        out.push(value());
        ws();
        if (src[i] === ",") i++;
        else if (src[i] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    const m = /^(-?\d+)L?|^(True|False|None)\b/.exec(src.slice(i, i + 32));
    if (!m) return fail("unexpected token");
    i += m[0].length;
    if (m[1] !== undefined) return Number(m[1]);
    return m[2] === "True" ? true : m[2] === "False" ? false : null;
  };
  const v = value();
  ws();
  if (i !== src.length) fail("trailing characters");
  return v;
}
