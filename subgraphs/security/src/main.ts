import "reflect-metadata";
import { main } from "@rampart/kit/subgraph";
import { loadConfig } from "./config";
import { securitySubgraph } from "./subgraph";

main(securitySubgraph, loadConfig);
