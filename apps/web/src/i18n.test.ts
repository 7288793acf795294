// Tests of the dictionary: both languages have the same keys, no empty strings, the same placeholders per key, real
// Chinese (not English copied over), and translate fills placeholders.
import { describe, expect, it } from "vitest";
import { dictionaries, isMessageKey, LANGS, placeholders, translate } from "./i18n.js";

const en = dictionaries.en;
const zh = dictionaries.zh;

describe("dictionaries", () => {
  it("have identical key sets", () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
  });

  it("have no empty or whitespace-only message", () => {
    for (const lang of LANGS)
      for (const [key, message] of Object.entries(dictionaries[lang]))
        expect(message.trim(), `${lang} ${key}`).not.toBe("");
  });

  it("use the same placeholders in both languages", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[])
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
  });

  it("are really translated: most Chinese messages contain CJK characters", () => {
    const cjk = /[\u4e00-\u9fff]/;
    const keys = Object.keys(en) as (keyof typeof en)[];
    const translated = keys.filter((k) => cjk.test(zh[k]));
    // A few are the same in both (acronyms such as IDO, "ID"); nearly all must differ.
    expect(translated.length / keys.length).toBeGreaterThan(0.95);
    expect(zh["sim.notRunning"]).toContain("--no-sim");
  });
});

describe("translate", () => {
  it("fills placeholders and leaves unknown ones", () => {
    expect(translate("en", "network.threshold", { m: 2, n: 3 })).toBe("2 of 3");
    expect(translate("zh", "network.threshold", { m: 2, n: 3 })).toBe("3 个中需 2 个");
    expect(translate("en", "header.network", {})).toBe("network: {name}");
  });

  it("recognises keys", () => {
    expect(isMessageKey("nav.map")).toBe(true);
    expect(isMessageKey("nav.nothing")).toBe(false);
    expect(isMessageKey("toString")).toBe(false);
  });
});
