import { type Address, type Hex, isHex } from "viem";

/** Fetches a validator's signature over HTTP; undefined while it has not signed. */
export function httpSignatureSource(baseUrl: string) {
  return async (validator: Address, id: Hex): Promise<Hex | undefined> => {
    const response = await fetch(`${baseUrl}/v1/validators/${validator}/signatures/${id}`, {
      signal: AbortSignal.timeout(5000),
    });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`validator endpoint answered ${response.status}`);
    const body = (await response.json()) as { signature?: unknown };
    return typeof body.signature === "string" && isHex(body.signature) ? body.signature : undefined;
  };
}
