import { assertEquals, assertThrows } from "@std/assert";
import { trmPlan } from "../../core/mod.ts";
import { schemeFromJson } from "../registry.ts";
import { oneStepPlan, trmOneStep, trmTwoNets, twoNetsPlan } from "./ablations.ts";

const key = (u: { state: string; net: string; inject: readonly string[] }) =>
  `${u.state}<-${u.net}(${u.inject})`;

Deno.test("1-step gradient: TRM's evaluations in TRM's order, only the last z and y on the tape", () => {
  for (const r of [{ n: 1, T: 1 }, { n: 3, T: 2 }, { n: 6, T: 3 }]) {
    const trm = trmPlan(r), one = oneStepPlan(r);
    assertEquals([...one.offTape, ...one.onTape].map(key), [...trm.offTape, ...trm.onTape].map(key));
    assertEquals(one.onTape.map(key), ["z<-f(y,x)", "y<-f(z)"]);
    assertEquals(one.offTape.length, r.T * (r.n + 1) - 2);
  }
});

Deno.test("two nets: z is updated by fz and y by fy, otherwise TRM's plan", () => {
  const r = { n: 2, T: 2 }, two = twoNetsPlan(r), trm = trmPlan(r);
  const all = [...two.offTape, ...two.onTape];
  assertEquals(all.map((u) => u.net), all.map((u) => (u.state === "z" ? "fz" : "fy")));
  assertEquals(
    all.map((u) => [u.state, u.inject]),
    [...trm.offTape, ...trm.onTape].map((u) => [u.state, u.inject]),
  );
  assertEquals(two.onTape.length, trm.onTape.length);
  assertThrows(() => trmTwoNets({ layers: 0 }), RangeError, "layers");
});

Deno.test("the ablation schemes rebuild from their JSON through the registry", () => {
  const two = schemeFromJson("trm-2net", { layers: 1 });
  assertEquals([two.kind, two.nets.fz?.layers, two.nets.fy?.layers], ["trm-2net", 1, 1]);
  assertEquals(schemeFromJson("trm-1step", {}).plan({ n: 2, T: 2 }), trmOneStep().plan({ n: 2, T: 2 }));
});
