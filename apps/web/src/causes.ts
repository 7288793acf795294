// ETSI cause codes of DENM events (ETSI TS 102 894-2, CauseCodeType) mapped to dictionary keys, so hazards and
// confirmed events are named in the chosen language. Codes without a name here show as "other (code)".
import type { MessageKey } from "./i18n.js";

export const KNOWN_CAUSES = [1, 2, 3, 6, 9, 10, 11, 12, 14, 15, 17, 18, 19, 26, 27, 91, 92, 93, 94, 95, 96, 97, 98, 99];
const known = new Set(KNOWN_CAUSES);

/** The dictionary key of a cause code; "cause.other" for codes without a name. */
export function causeKey(code: number): MessageKey {
  return (known.has(code) ? `cause.${code}` : "cause.other") as MessageKey;
}
