/**
 * The llama2.c tokenizer (`tokenizer.bin`, `tok512.bin`, ...): int32 max_token_length, then per
 * token a float32 score, an int32 byte length and the piece's bytes. Encoding follows llama2.c's
 * `encode`: a dummy-prefix space, one token per code point (UTF-8 bytes as `<0xXX>` tokens at ids
 * 3..258 when the code point is not in the vocabulary), then repeatedly merge the adjacent pair
 * whose concatenation is the vocabulary piece with the highest score (leftmost on ties).
 */
import { Llama2cError } from "./errors.ts";

/** SentencePiece's word-boundary marker, used in the Hugging Face form of the pieces. */
export const SPIECE_UNDERLINE = "\u2581";

const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** A min-heap of merge candidates ordered by score (high first), then position (left first). */
class CandidateHeap {
  private readonly items: {
    score: number;
    left: number;
    right: number;
    vl: number;
    vr: number;
    id: number;
  }[] = [];
  get size(): number {
    return this.items.length;
  }
  private less(a: CandidateHeap["items"][number], b: CandidateHeap["items"][number]): boolean {
    return a.score > b.score || (a.score === b.score && a.left < b.left);
  }
  push(item: CandidateHeap["items"][number]): void {
    const h = this.items;
    h.push(item);
    let c = h.length - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!this.less(item, h[p]!)) break;
      h[c] = h[p]!;
      c = p;
    }
    h[c] = item;
  }
  pop(): CandidateHeap["items"][number] {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let c = 0;
      for (;;) {
        let m = 2 * c + 1;
        if (m >= h.length) break;
        if (m + 1 < h.length && this.less(h[m + 1]!, h[m]!)) m++;
        if (!this.less(h[m]!, last)) break;
        h[c] = h[m]!;
        c = m;
      }
      h[c] = last;
    }
    return top;
  }
}

/**
 * A llama2.c tokenizer. It has the shape the activations pipeline accepts for a custom tokenizer
 * (`encode(text)` without BOS, `idToToken(id)`, `bosId`).
 * @example
 * const tok = Llama2cTokenizer.fromBytes(await readFile("tok512.bin"), 512);
 * tok.encode("Once upon a time"); // [403, 407, 261, 378]
 */
export class Llama2cTokenizer {
  /** The BOS id (1 in llama2.c). */
  readonly bosId = 1;
  /** The EOS id (2 in llama2.c). */
  readonly eosId = 2;
  /** A short name for `model_cfg.json`. */
  readonly name: string;
  /** The longest piece in bytes, from the file header. */
  readonly maxTokenLength: number;
  /** The raw pieces as llama2.c stores them (BOS is `"\n<s>\n"`, spaces are real spaces). */
  readonly pieces: readonly string[];
  /** The merge score of each piece. */
  readonly scores: Float32Array;
  private readonly lookup = new Map<string, number>();
  private readonly pairs = new Map<number, number>();

  private constructor(pieces: string[], scores: Float32Array, maxTokenLength: number, name: string) {
    this.pieces = pieces;
    this.scores = scores;
    this.maxTokenLength = maxTokenLength;
    this.name = name;
    for (let i = 0; i < pieces.length; i++) if (!this.lookup.has(pieces[i]!)) this.lookup.set(pieces[i]!, i);
  }

  /**
   * Parses a tokenizer `.bin`. `vocabSize` is the checkpoint's vocabulary size; without it every
   * entry in the file is read.
   * @throws {Llama2cError} `PL_MODELS_LLAMA2C_TOKENIZER_CORRUPT` when the file is truncated or too short.
   */
  static fromBytes(bytes: Uint8Array, vocabSize?: number, name = "llama2.c"): Llama2cTokenizer {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const bad = (msg: string) =>
      new Llama2cError(
        "PL_MODELS_LLAMA2C_TOKENIZER_CORRUPT",
        `llama2.c tokenizer: ${msg}. Give the tokenizer .bin that belongs to the checkpoint (e.g. tok512.bin for stories260K) with --tokenizer.`,
      );
    if (bytes.length < 4) throw bad("file shorter than its 4-byte header");
    const maxTokenLength = view.getInt32(0, true);
    const pieces: string[] = [];
    const scores: number[] = [];
    let at = 4;
    while (at < bytes.length && (vocabSize === undefined || pieces.length < vocabSize)) {
      if (at + 8 > bytes.length) throw bad(`entry ${pieces.length} is truncated`);
      const score = view.getFloat32(at, true);
      const len = view.getInt32(at + 4, true);
      at += 8;
      if (len < 0 || at + len > bytes.length) throw bad(`entry ${pieces.length} has a bad length ${len}`);
      pieces.push(utf8Decoder.decode(bytes.subarray(at, at + len)));
      scores.push(score);
      at += len;
    }
    if (vocabSize !== undefined && pieces.length < vocabSize) {
      throw bad(`it has ${pieces.length} tokens but the checkpoint's vocabulary has ${vocabSize}`);
    }
    if (pieces.length < 259)
      throw bad(`it has ${pieces.length} tokens, fewer than the 3 specials and 256 bytes`);
    return new Llama2cTokenizer(pieces, Float32Array.from(scores), maxTokenLength, name);
  }

  /** Vocabulary size. */
  get vocabSize(): number {
    return this.pieces.length;
  }

  /** The id of a raw piece, or `undefined`. */
  pieceId(piece: string): number | undefined {
    return this.lookup.get(piece);
  }

  /**
   * Token ids of `text` as llama2.c's `encode` makes them: the dummy-prefix space, no BOS or EOS
   * unless asked for.
   */
  encode(text: string, options: { bos?: boolean; eos?: boolean } = {}): number[] {
    const ids: number[] = [];
    if (options.bos === true) ids.push(this.bosId);
    if (text.length > 0) {
      const initial: number[] = [];
      const space = this.lookup.get(" ");
      if (space !== undefined) initial.push(space);
      for (const cp of text) {
        const id = this.lookup.get(cp);
        if (id !== undefined) initial.push(id);
        else for (const byte of utf8.encode(cp)) initial.push(byte + 3);
      }
      for (const id of this.merge(initial)) ids.push(id);
    }
    if (options.eos === true) ids.push(this.eosId);
    return ids;
  }

  /** The id of the piece `pieces[a] + pieces[b]`, or -1; memoised by pair. */
  private pairMerge(a: number, b: number): number {
    const key = a * this.pieces.length + b;
    let merged = this.pairs.get(key);
    if (merged === undefined) {
      merged = this.lookup.get(this.pieces[a]! + this.pieces[b]!) ?? -1;
      this.pairs.set(key, merged);
    }
    return merged;
  }

  /** Greedy best-score merging, as llama2.c does, in O(n log n) with a heap. */
  private merge(tokens: number[]): number[] {
    const n = tokens.length;
    const id = tokens.slice();
    const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const prev = Array.from({ length: n }, (_, i) => i - 1);
    const version = new Array<number>(n).fill(0);
    const alive = new Array<boolean>(n).fill(true);
    const heap = new CandidateHeap();
    const consider = (left: number) => {
      const right = next[left]!;
      if (right < 0) return;
      const merged = this.pairMerge(id[left]!, id[right]!);
      if (merged < 0) return;
      heap.push({
        score: this.scores[merged]!,
        left,
        right,
        vl: version[left]!,
        vr: version[right]!,
        id: merged,
      });
    };
    for (let i = 0; i + 1 < n; i++) consider(i);
    while (heap.size > 0) {
      const c = heap.pop();
      const left = c.left;
      const right = c.right;
      if (!alive[left] || !alive[right] || next[left] !== right) continue;
      if (c.vl !== version[left] || c.vr !== version[right]) continue;
      id[left] = c.id;
      version[left]!++;
      alive[right] = false;
      const after = next[right]!;
      next[left] = after;
      if (after >= 0) prev[after] = left;
      const before = prev[left]!;
      if (before >= 0) consider(before);
      consider(left);
    }
    const out: number[] = [];
    for (let i = 0; i >= 0 && i < n; i = next[i]!) out.push(id[i]!);
    return out;
  }

  /**
   * The text of token `id` after token `prev`, as llama2.c's `decode`: the space after BOS is
   * dropped and `<0xXX>` pieces become their byte (as a Latin-1 char; use {@link decode} for text).
   */
  decodePiece(prev: number, id: number): string {
    let piece = this.pieces[id] ?? "";
    if (prev === this.bosId && piece.startsWith(" ")) piece = piece.slice(1);
    const m = BYTE_PIECE.exec(piece);
    if (m !== null) return String.fromCharCode(Number.parseInt(m[1]!, 16));
    return piece;
  }

  /**
   * Decodes ids into text the way llama2.c prints a generation (BOS/EOS pieces skipped, byte
   * tokens joined into UTF-8, the leading space after BOS dropped).
   */
  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    let prev = -1;
    for (const id of ids) {
      if (id === this.bosId || id === this.eosId) {
        prev = id;
        continue;
      }
      let piece = this.pieces[id] ?? "";
      if (prev === this.bosId && piece.startsWith(" ")) piece = piece.slice(1);
      const m = BYTE_PIECE.exec(piece);
      if (m !== null) bytes.push(Number.parseInt(m[1]!, 16));
      else for (const b of utf8.encode(piece)) bytes.push(b);
      prev = id;
    }
    return utf8Decoder.decode(Uint8Array.from(bytes));
  }

  /**
   * The piece of `id` in Hugging Face / SentencePiece form: spaces as `▁`, specials as `<unk>`,
   * `<s>`, `</s>`, byte tokens as `<0xXX>` (what `tokenizer.json` holds).
   */
  idToToken(id: number): string {
    if (id === 0) return "<unk>";
    if (id === this.bosId) return "<s>";
    if (id === this.eosId) return "</s>";
    return (this.pieces[id] ?? "").replaceAll(" ", SPIECE_UNDERLINE);
  }
}
