/** Python's `repr(float)` layout: exponent form below 1e-4 and from 1e16 on, e.g. `1e-05`, `1e+16`. */
function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return "null";
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return Object.is(x, -0) ? "-0" : BigInt(x).toString();
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e16) return String(x);
  const [mant, exp] = x.toExponential().split("e") as [string, string];
  const sign = exp.startsWith("-") ? "-" : "+";
  const digits = exp.replace(/^[+-]/, "").padStart(2, "0");
  return `${mant}e${sign}${digits}`;
}

/** A JSON string with every character outside printable ASCII escaped (Python `ensure_ascii`). */
function formatString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c >= 0x20 && c < 0x7f) out += s[i];
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else out += `\\u${c.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}

function format(v: unknown): string | undefined {
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return formatString(v);
    case "number":
      return formatNumber(v);
    case "bigint":
      return v.toString();
    case "boolean":
      return v ? "true" : "false";
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (Array.isArray(v)) return `[${v.map((x) => format(x) ?? "null").join(", ")}]`;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return format(Array.from(v as unknown as ArrayLike<number | bigint>));
  }
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v as object)) {
    const f = format(x);
    if (f !== undefined) parts.push(`${formatString(k)}: ${f}`);
  }
  return `{${parts.join(", ")}}`;
}

/**
 * JSON laid out as Python's `json.dumps` writes it (what pattern-lens writes): `", "` and
 * `": "` separators, non-ASCII escaped as `\uXXXX`, floats like `1e-05`. Integral floats
 * (`4.0`) become `4`, since JavaScript cannot tell them apart; NaN and infinities become `null`.
 * Typed arrays are written as lists.
 *
 * @example
 * ```ts
 * stringifyJson({ tokens: ["\u0120the"], eps: 1e-5 }); // '{"tokens": ["\\u0120the"], "eps": 1e-05}'
 * ```
 */
export function stringifyJson(value: unknown): string {
  return format(value) ?? "null";
}
