import { loadXPath } from "../../src/integration/extract";

// The Worker loads the XPath engine when a buyer's rules need it; unit tests call the pure
// functions directly, so they load it once up front.
await loadXPath();
