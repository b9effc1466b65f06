import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import "./playground.css";
import { GraphiQL, type GraphiQLProps } from "graphiql";
import { buildSchema, type GraphQLSchema } from "graphql";
import { createRoot } from "react-dom/client";
import { createPlaygroundFetcher } from "./fetcher";

/** What the gateway says about this playground (`/graphiql/config.json`). */
interface PlaygroundPageConfig {
  profile: "main" | "admin";
  subscriptionsPath: string | null;
  schemaPath: string | null;
}

const defaultHeaders = JSON.stringify({ authorization: "Bearer <paste a token here>" }, null, 2);

const defaultQuery = `# Put your token in the Headers panel below: {"authorization": "Bearer <token>"}
# (npm run --silent dev-token -- --user user_demo_alice --org org_demo_acme --role admin)
query Me {
  me {
    id
    email
    twoFactorEnabled
    securityLevel
  }
}
`;

async function start(): Promise<void> {
  const root = createRoot(document.getElementById("graphiql") as HTMLElement);
  try {
    const config = (await (await fetch("/graphiql/config.json")).json()) as PlaygroundPageConfig;
    // With the committed API schema there is no need to introspect (which only superadmins may).
    let schema: GraphQLSchema | undefined;
    if (config.schemaPath) {
      const response = await fetch(config.schemaPath);
      if (response.ok) schema = buildSchema(await response.text());
    }
    const props: GraphiQLProps = {
      fetcher: createPlaygroundFetcher({
        url: new URL("/graphql", location.href).toString(),
        subscriptionsUrl: config.subscriptionsPath
          ? new URL(config.subscriptionsPath, location.href).toString().replace(/^http/, "ws")
          : null,
      }),
      defaultQuery,
      defaultHeaders,
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: false,
      ...(schema ? { schema } : {}),
    };
    root.render(<GraphiQL {...props} />);
  } catch (error) {
    root.render(<p role="alert">The playground could not start: {(error as Error).message}</p>);
  }
}

void start();
