import "reflect-metadata";
import { main } from "@rampart/kit/subgraph";
import { loadConfig } from "./config";
import { fulfillmentSubgraph } from "./subgraph";

main(fulfillmentSubgraph, loadConfig);
