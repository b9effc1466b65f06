import "reflect-metadata";
import { main } from "@rampart/kit/subgraph";
import { loadConfig } from "./config";
import { commerceSubgraph } from "./subgraph";

main(commerceSubgraph, loadConfig);
