// A local SMTP server that prints every mail it receives: a test peer for the email channel.
// node docs/examples/smtp-peer.mjs [port]   (default 2525; plain SMTP, no authentication)
import { SMTPServer } from "smtp-server";

const port = Number(process.argv[2] ?? 2525);
const server = new SMTPServer({
  disabledCommands: ["STARTTLS", "AUTH"],
  authOptional: true,
  logger: false,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on("data", (chunk) => chunks.push(chunk));
    stream.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const subject = /^Subject: (.*)$/m.exec(raw)?.[1] ?? "(no subject)";
      const to = session.envelope.rcptTo.map((rcpt) => rcpt.address).join(", ");
      console.log(`${new Date().toISOString()} mail to ${to}: ${subject}`);
      callback();
    });
  },
});
server.listen(port, "127.0.0.1", () =>
  console.log(`SMTP peer listening on smtp://127.0.0.1:${port}`),
);
