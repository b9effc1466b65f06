import { exitWithStartupError, Lifecycle } from "@rampart/kit";
import { loadConfig } from "./config";
import { startGateway } from "./server";

let config;
try {
  config = loadConfig();
} catch (error) {
  exitWithStartupError("gateway", error);
}
startGateway(config).then(
  (gateway) => {
    const lifecycle = new Lifecycle(gateway.logger);
    lifecycle.onShutdown("gateway", () => gateway.close());
    lifecycle.exitOnSignals();
  },
  (error: unknown) => exitWithStartupError("gateway", error),
);
