// Prints live security events from the admin gateway, one JSON line each, resuming after the last
// one it saw when the socket drops. Run from the repository root:
//   TOKEN=<superadmin session token> node docs/examples/watch-security-events.mjs
// Optional: ADMIN_URL (default ws://127.0.0.1:4400/graphql), TYPES (comma-separated event types).
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const url = process.env.ADMIN_URL ?? "ws://127.0.0.1:4400/graphql";
const types = process.env.TYPES ? process.env.TYPES.split(",") : undefined;
const query = `subscription Watch($filter: SecurityEventFilter, $after: ID) {
  securityEvents(filter: $filter, after: $after) {
    id type severity reason ip occurredAt
    actor { id email }
    organization { id name }
  }
}`;

let lastId = process.env.AFTER; // resume point: the last event printed
const client = createClient({
  url,
  webSocketImpl: WebSocket, // Node 20 has no global WebSocket
  connectionParams: { authorization: `Bearer ${process.env.TOKEN ?? ""}` },
  retryAttempts: 5,
  on: {
    closed: (event) => console.error(`socket closed: ${event.code} ${event.reason}`),
  },
});

function watch() {
  client.subscribe(
    { query, variables: { filter: types ? { types } : undefined, after: lastId } },
    {
      next: ({ data, errors }) => {
        if (errors) return console.error(JSON.stringify(errors));
        lastId = data.securityEvents.id;
        console.log(JSON.stringify(data.securityEvents));
      },
      // The feed was interrupted (a dependency restarted): resume after the last event seen.
      error: (error) => {
        const refused =
          error?.code === 4401 || (error?.code === 4403 && error.reason !== "LOCKDOWN_ACTIVE");
        if (refused) {
          console.error(`refused: ${error.code} ${error.reason}`);
          process.exit(1);
        }
        console.error(JSON.stringify(error));
        setTimeout(watch, 1_000);
      },
      complete: () => {},
    },
  );
}
watch();
