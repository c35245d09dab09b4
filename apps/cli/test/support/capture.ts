/** A CliIo that keeps what a command prints: `text()` its stdout, `errText()` its stderr. */
export function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  return { io, text: () => out.join(""), errText: () => err.join("") };
}
