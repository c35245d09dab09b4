/** How the vocabulary pieces encode text. */
export type TokenPieceKind = "byte-level" | "sentencepiece" | "plain";

let byteLevelDecoder: Map<string, number> | undefined;

/** GPT-2's byte-to-unicode table, inverted: each printable stand-in character -> its byte. */
function byteLevelMap(): Map<string, number> {
  if (byteLevelDecoder) return byteLevelDecoder;
  const m = new Map<string, number>();
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    const ch = printable ? String.fromCharCode(b) : String.fromCharCode(256 + shifted++);
    m.set(ch, b);
  }
  byteLevelDecoder = m;
  return m;
}

const SP_BYTE = /^<0x([0-9A-Fa-f]{2})>$/;

/** Guesses how `tokens` encode text: byte-level BPE (GPT-2 `Ġ`), SentencePiece (`▁`, `<0xNN>`), or plain. */
export function detectTokenPieceKind(tokens: readonly string[]): TokenPieceKind {
  let sp = false;
  for (const t of tokens) {
    for (const ch of t) {
      const c = ch.codePointAt(0) ?? 0;
      if (c >= 0x100 && c <= 0x143) return "byte-level";
      if (ch === "\u2581") sp = true;
    }
    if (SP_BYTE.test(t)) sp = true;
  }
  return sp ? "sentencepiece" : "plain";
}

/** A piece as bytes, or `undefined` when it is not made of the encoding's byte stand-ins (special tokens). */
function pieceBytes(piece: string, kind: TokenPieceKind): number[] | undefined {
  const enc = new TextEncoder();
  if (kind === "byte-level") {
    const map = byteLevelMap();
    const out: number[] = [];
    for (const ch of piece) {
      const b = map.get(ch);
      if (b === undefined) return undefined;
      out.push(b);
    }
    return out;
  }
  if (kind === "sentencepiece") {
    const m = SP_BYTE.exec(piece);
    if (m) return [Number.parseInt(m[1] ?? "0", 16)];
    return [...enc.encode(piece.replaceAll("\u2581", " "))];
  }
  return [...enc.encode(piece)];
}

function utf8Length(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

const hex = (b: number) => `\\x${b.toString(16).toUpperCase().padStart(2, "0")}`;

/**
 * Readable labels for stored token pieces (`prompt.json` `tokens`): byte-level BPE stand-ins
 * (`Ġ` -> space, `Ċ` -> newline) and SentencePiece `▁` / `<0xNN>` byte fallback become text.
 * A character whose UTF-8 bytes are split across tokens is shown whole on the token that
 * completes it; the tokens holding only its leading bytes show them as `\xNN` escapes.
 * Bytes that never form valid UTF-8 also show as `\xNN`. Special tokens stay as they are.
 * @example tokenLabels(["Hello", "Ġw", "orld"]) // ["Hello", " w", "orld"]
 */
export function tokenLabels(
  tokens: readonly string[],
  kind: TokenPieceKind = detectTokenPieceKind(tokens),
): string[] {
  const dec = new TextDecoder("utf-8", { fatal: true });
  const labels: string[] = [];
  let pending: number[] = [];
  for (const piece of tokens) {
    const bytes = pieceBytes(piece, kind);
    if (bytes === undefined) {
      labels.push(piece);
      pending = [];
      continue;
    }
    const all = [...pending, ...bytes];
    let label = "";
    let i = 0;
    const pendingStart = pending.length;
    pending = [];
    while (i < all.length) {
      const b = all[i] ?? 0;
      const n = utf8Length(b);
      if (n === 0) {
        label += hex(b);
        i++;
        continue;
      }
      if (i + n > all.length) {
        // incomplete character at the end: carry it to the next token, show its bytes here
        const rest = all.slice(i);
        const valid = rest.slice(1).every((c) => c >= 0x80 && c <= 0xbf);
        if (valid) {
          pending = rest;
          for (const [k, c] of rest.entries()) if (i + k >= pendingStart) label += hex(c);
        } else {
          for (const c of rest) label += hex(c);
        }
        break;
      }
      const seq = all.slice(i, i + n);
      try {
        label += dec.decode(new Uint8Array(seq));
        i += n;
      } catch {
        label += hex(b);
        i++;
      }
    }
    labels.push(label);
  }
  return labels;
}
