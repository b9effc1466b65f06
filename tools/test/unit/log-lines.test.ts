import { PassThrough } from "node:stream";
import { createLogLineFormatter, logFormatterFor, pipeLogLines } from "../../src/log-lines";

// `npm start` on a terminal: one readable line per event behind a coloured service name;
// anywhere else the processes' JSON lines pass through untouched.

const jsonLine = (fields: Record<string, unknown>) =>
  JSON.stringify({
    level: 30,
    time: "2026-12-04T10:00:00.000Z",
    pid: 4242,
    hostname: "box",
    service: "gateway",
    ...fields,
  });

/** ANSI colour sequences: escape, `[`, digits, `m`. */
// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[(\d+)m/;
const plain = (text: string) => text.replace(new RegExp(ansi, "g"), "");

describe("logFormatterFor", () => {
  it("keeps JSON when standard output is not a terminal (a pipe, a file, CI)", () => {
    // On a pipe or a file Node leaves isTTY unset.
    expect(logFormatterFor({ isTTY: undefined, hasColors: () => true })).toBeNull();
    expect(logFormatterFor({ isTTY: false, hasColors: () => true })).toBeNull();
  });

  it("formats on a terminal, in colour only when it has colours", () => {
    const line = jsonLine({ msg: "listening" });
    const coloured = logFormatterFor({ isTTY: true, hasColors: () => true });
    const monochrome = logFormatterFor({ isTTY: true, hasColors: () => false });
    expect(ansi.exec(coloured?.("security", line) ?? "")?.[1]).toBe("36");
    expect(plain(coloured?.("security", line) ?? "")).toMatch(/^security /);
    expect(monochrome?.("security", line)).not.toContain("\u001b[");
  });
});

describe("createLogLineFormatter", () => {
  const format = createLogLineFormatter({ colorize: false });

  it("prints a pino line as one line: service, time, level, message, other fields", () => {
    const text = format("gateway (main)", jsonLine({ msg: "listening", port: 4000 }));
    expect(text).toMatch(
      /^gateway \(main\) {3}\[\d\d:\d\d:\d\d\.000\] INFO: listening \{"port":4000\}$/,
    );
    expect(text).not.toContain("4242");
    expect(text).not.toContain("box");
  });

  it("keeps an error's stack on its line", () => {
    const text = format(
      "security",
      jsonLine({ level: 50, msg: "boom", err: { message: "x", stack: "Error: x\n    at y" } }),
    );
    expect(text.split("\n")).toHaveLength(1);
    expect(text).toContain("ERROR: boom");
    expect(text).toContain("Error: x\\n    at y");
  });

  it("joins a message of several lines", () => {
    const text = format("gateway (main)", jsonLine({ msg: "loaded schema.\n\t* Mode: unmanaged" }));
    expect(text).toMatch(/INFO: loaded schema\. \* Mode: unmanaged$/);
  });

  it("keeps a line that is not JSON as it is, behind the service's name", () => {
    expect(format("commerce", "node: bad option")).toBe("commerce         node: bad option");
  });

  it("gives each service a colour of its own, the same on every line", () => {
    const colour = createLogLineFormatter({ colorize: true });
    const code = (service: string) => ansi.exec(colour(service, "x"))?.[1];
    const first = code("security");
    expect(code("commerce")).not.toBe(first);
    expect(code("security")).toBe(first);
    expect(plain(colour("security", jsonLine({ msg: "up" })))).toContain("INFO: up");
  });
});

describe("pipeLogLines", () => {
  it("writes one formatted line per input line, split chunks joined", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let written = "";
    output.on("data", (chunk: Buffer) => (written += chunk.toString()));
    pipeLogLines("fulfillment", input, output, (service, line) => `${service}|${line}`);
    input.write('{"msg":"a"}\n{"ms');
    input.end('g":"b"}\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toBe('fulfillment|{"msg":"a"}\nfulfillment|{"msg":"b"}\n');
  });
});
