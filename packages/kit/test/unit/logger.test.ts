import { Writable } from "node:stream";
import { createLogger } from "../../src";

/** A logger whose lines are kept in memory. */
function capturedLogger() {
  let output = "";
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  return { logger: createLogger({ service: "test", destination }), output: () => output };
}

describe("createLogger", () => {
  it("writes JSON lines with the service", () => {
    const { logger, output } = capturedLogger();
    logger.info({ requestId: "req-1" }, "hello");
    expect(JSON.parse(output())).toMatchObject({
      service: "test",
      requestId: "req-1",
      msg: "hello",
      level: 30,
    });
  });

  it("never writes a credential, wherever it travels", () => {
    const { logger, output } = capturedLogger();
    const secrets = {
      bearer: "Bearer eyJhbGciOiJSUzI1NiJ9.bearer-secret",
      cookie: "__session=cookie-secret",
      assertion: "eyJhbGciOiJFZERTQSJ9.assertion-secret",
      connection: "Bearer connection-secret",
      totp: "492039",
      backup: "backup-secret-1",
    };
    logger.info(
      {
        req: {
          headers: {
            authorization: secrets.bearer,
            cookie: secrets.cookie,
            "rampart-identity": secrets.assertion,
          },
        },
        headers: { authorization: secrets.bearer, "rampart-identity": secrets.assertion },
        connectionParams: {
          authorization: secrets.connection,
          "rampart-identity": secrets.assertion,
        },
        upstream: { connectionParams: { authorization: secrets.connection } },
        body: { variables: { code: secrets.totp, backupCode: secrets.backup } },
        totpCode: secrets.totp,
        backupCodes: [secrets.backup],
        token: secrets.bearer,
        "rampart-identity": secrets.assertion,
      },
      "a request",
    );
    const line = output();
    for (const secret of Object.values(secrets)) expect(line).not.toContain(secret);
    expect(line).toContain("[redacted]");
    expect(line).toContain("a request");
  });
});
