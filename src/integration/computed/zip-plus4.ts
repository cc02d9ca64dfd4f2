import type { ComputedFunction } from "./types";

/** `75201` + `1234` → `75201-1234`; just the ZIP when there is no +4 (options.separator, default "-"). */
export const zip_plus4: ComputedFunction = {
  name: "zip_plus4",
  description: "ZIP+4 join (args: zip, zip4; options: separator)",
  output: "string",
  minArgs: 1,
  fn([zip, zip4], options) {
    if (typeof zip !== "string" || !/^\d{5}$/.test(zip)) return undefined;
    const sep = typeof options.separator === "string" ? options.separator : "-";
    return typeof zip4 === "string" && /^\d{4}$/.test(zip4) ? `${zip}${sep}${zip4}` : zip;
  },
};
