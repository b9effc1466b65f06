import http from "node:http";
import type { AddressInfo } from "node:net";
import { buildSubgraphSchema } from "@apollo/subgraph";
import {
  execute,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type GraphQLFieldResolver,
} from "graphql";

// Three small in-memory subgraphs (accounts, products, reviews) for the gateway-bound
// benchmark: no database, no authorization, each parsed query cached, so that the gateway in
// front of them is the bottleneck. `GET /stats` answers how many GraphQL requests each served.
// Usage: node tools/dist/bench/gateway-bound/subgraphs.js <accountsPort> <productsPort> <reviewsPort>
// (0 picks a free port); prints one JSON line `{ "accounts": url, ... }` when listening.

interface User {
  id: string;
  name: string;
  username: string;
}
interface Product {
  upc: string;
  name: string;
  price: number;
  weight: number;
}
interface Review {
  id: string;
  body: string;
  authorId: string;
  productUpc: string;
}

const users: User[] = Array.from({ length: 8 }, (_, i) => ({
  id: `u${i + 1}`,
  name: `User ${i + 1}`,
  username: `user${i + 1}`,
}));
const products: Product[] = Array.from({ length: 12 }, (_, i) => ({
  upc: String(i + 1),
  name: `Product ${i + 1}`,
  price: 100 + i * 7,
  weight: 10 + i,
}));
/** Four reviews per product, by four different users. */
const reviews: Review[] = products.flatMap((product, p) =>
  [0, 1, 2, 3].map((r) => ({
    id: `r${p * 4 + r + 1}`,
    body: `Review ${r + 1} of ${product.name}`,
    authorId: users[(p + r) % users.length].id,
    productUpc: product.upc,
  })),
);

const federation = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])`;

type Resolvers = Record<string, Record<string, GraphQLFieldResolver<unknown, unknown>>>;

export const benchSubgraphs: Record<string, { sdl: string; resolvers: Resolvers }> = {
  accounts: {
    sdl: `${federation}
      type Query { me: User users: [User!]! }
      type User @key(fields: "id") { id: ID! name: String! username: String! }`,
    resolvers: {
      Query: { me: () => users[0], users: () => users },
      User: {
        __resolveReference: (ref) => users.find((u) => u.id === (ref as { id: string }).id),
      },
    },
  },
  products: {
    sdl: `${federation}
      type Query { topProducts(first: Int = 5): [Product!]! }
      type Product @key(fields: "upc") { upc: String! name: String! price: Int! weight: Int! }`,
    resolvers: {
      Query: { topProducts: (_root, args) => products.slice(0, (args as { first: number }).first) },
      Product: {
        __resolveReference: (ref) => products.find((p) => p.upc === (ref as { upc: string }).upc),
      },
    },
  },
  reviews: {
    sdl: `${federation}
      type Review { id: ID! body: String! author: User! product: Product! }
      type User @key(fields: "id") { id: ID! reviews: [Review!]! }
      type Product @key(fields: "upc") { upc: String! reviews: [Review!]! }`,
    resolvers: {
      Review: {
        author: (review) => ({ id: (review as Review).authorId }),
        product: (review) => ({ upc: (review as Review).productUpc }),
      },
      User: {
        reviews: (user) => reviews.filter((r) => r.authorId === (user as User).id),
      },
      Product: {
        reviews: (product) => reviews.filter((r) => r.productUpc === (product as Product).upc),
      },
    },
  },
};

function serve(
  schema: GraphQLSchema,
  port: number,
): Promise<{ url: string; served: () => number }> {
  const documents = new Map<string, DocumentNode>();
  let served = 0;
  const documentOf = (query: string): DocumentNode => {
    let document = documents.get(query);
    if (!document) {
      document = parse(query);
      const errors = validate(schema, document);
      if (errors.length > 0) throw errors[0];
      documents.set(query, document);
    }
    return document;
  };
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/stats") {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ served }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      served++;
      res.setHeader("content-type", "application/json");
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          query: string;
          variables?: Record<string, unknown>;
          operationName?: string;
        };
        // Entity references may resolve asynchronously.
        const result = await execute({
          schema,
          document: documentOf(body.query),
          variableValues: body.variables,
          operationName: body.operationName,
        });
        res.end(JSON.stringify(result));
      } catch (error) {
        res.statusCode = 400;
        res.end(JSON.stringify({ errors: [{ message: String(error) }] }));
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(port, "127.0.0.1", () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${bound}/graphql`, served: () => served });
    }),
  );
}

if (require.main === module) {
  const ports = process.argv.slice(2).map(Number);
  void Promise.all(
    Object.entries(benchSubgraphs).map(async ([name, { sdl, resolvers }], i) => {
      const schema = buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: resolvers as never });
      const { url } = await serve(schema, ports[i] ?? 0);
      return [name, url] as const;
    }),
  ).then((urls) => process.stdout.write(`${JSON.stringify(Object.fromEntries(urls))}\n`));
}
