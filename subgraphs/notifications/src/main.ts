import "reflect-metadata";
import { main } from "@rampart/kit/subgraph";
import { loadConfig } from "./config";
import { notificationsSubgraph } from "./subgraph";

main(notificationsSubgraph, loadConfig);
