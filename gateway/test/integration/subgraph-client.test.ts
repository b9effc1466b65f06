import http from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPairSync } from "node:crypto";
import { IdentityDataSource } from "../../src/identity-data-source";
import { createSubgraphClient, type SubgraphClient } from "../../src/subgraph-client";

// The gateway's HTTP client to its subgraphs, against a real HTTP server: what Apollo's data
// source reads of a response, kept-alive connections, and failures as errors.

let server: http.Server;
let url: string;
let connections = 0;
let client: SubgraphClient;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.url === "/refused") {
        res.writeHead(503, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            errors: [
              {
                message: "The gateway identity replay check is unavailable.",
                extensions: { code: "SERVICE_UNAVAILABLE" },
              },
            ],
          }),
        );
        return;
      }
      if (req.url === "/down") {
        res.writeHead(503, { "content-type": "text/plain", "retry-after": "5" });
        res.end("unavailable");
        return;
      }
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "x-echo": "1" });
      res.end(
        JSON.stringify({
          method: req.method,
          identity: req.headers["rampart-identity"] ?? null,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = createSubgraphClient();
});

afterAll(async () => {
  await client.close();
  await new Promise((resolve) => server.close(resolve));
});

test("sends the method, headers and body, and reads status, headers and JSON", async () => {
  const response = await client.fetcher(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", "rampart-identity": "assertion" },
    body: '{"query":"{ __typename }"}',
  });
  expect(response.ok).toBe(true);
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
  expect(response.headers.get("x-missing")).toBeNull();
  expect([...response.headers].some(([name]) => name === "x-echo")).toBe(true);
  expect(await response.json()).toEqual({
    method: "POST",
    identity: "assertion",
    body: '{"query":"{ __typename }"}',
  });
  expect(response.bodyUsed).toBe(true);
});

test("keeps connections alive across sequential fetches", async () => {
  const before = connections;
  for (let i = 0; i < 20; i++) {
    const response = await client.fetcher(`${url}/graphql`, { method: "POST", body: "{}" });
    await response.text();
  }
  expect(connections - before).toBeLessThanOrEqual(1);
});

test("a non-2xx answer is a response that is not ok, with its body", async () => {
  const response = await client.fetcher(`${url}/down`, { method: "POST", body: "{}" });
  expect(response.ok).toBe(false);
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toBe("5");
  expect(await response.text()).toBe("unavailable");
});

test("an unreachable subgraph rejects", async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  await expect(
    client.fetcher(`http://127.0.0.1:${port}/graphql`, { method: "POST", body: "{}" }),
  ).rejects.toMatchObject({ code: "ECONNREFUSED" });
});

describe("a subgraph's refusal through the data source", () => {
  const dataSource = () =>
    new IdentityDataSource({
      name: "security",
      url: `${url}/graphql`,
      privateKey: generateKeyPairSync("ed25519").privateKey,
      fetcher: client.fetcher,
    });

  test("keeps SERVICE_UNAVAILABLE as a code, with no status of its own", async () => {
    const error = await dataSource().errorFromResponse(
      await client.fetcher(`${url}/refused`, { method: "POST", body: "{}" }),
    );
    expect(error.extensions).toEqual({ code: "SERVICE_UNAVAILABLE" });
  });

  test("leaves any other failure untyped (masked by the gateway), without the subgraph's URL or body", async () => {
    const error = await dataSource().errorFromResponse(
      await client.fetcher(`${url}/down`, { method: "POST", body: "{}" }),
    );
    expect(error.message).toBe("503: Service Unavailable");
    expect(error.extensions).toEqual({});
  });
});
