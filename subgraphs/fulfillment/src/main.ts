import "reflect-metadata";
import { main } from "@rampart/kit";
import { loadConfig } from "./config";
import { fulfillmentSubgraph } from "./subgraph";

main(fulfillmentSubgraph, loadConfig);
