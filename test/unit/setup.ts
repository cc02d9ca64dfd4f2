import { parseAlertTargetList } from "../../src/core/alert-targets";
import { useAlertTargetParser } from "../../src/core/settings";
import { splitBuyerFile } from "../../src/integration/canary";
import { loadXPath } from "../../src/integration/extract";
import { loadBuyers } from "../../src/integration/load-buyers";
import { useConfigLoader } from "../../src/integration/registry";

// The Worker loads the XPath engine when a buyer's rules need it, and the config schema only
// for buyer configs given at runtime (BUYER_CONFIGS); unit tests call the pure functions
// directly, so both are loaded once up front.
await loadXPath();
useConfigLoader(loadBuyers, splitBuyerFile);
useAlertTargetParser(parseAlertTargetList);
