import { assertEquals, assertThrows } from "@std/assert";
import { DataError } from "@recursive/trm/core";
import { arcSubsets } from "./subsets.ts";

const t = (id: string) => ({ id, train: [], test: [] });

Deno.test("arcSubsets() keeps subset order, shuffles within subsets by seed, and marks the test set", () => {
  const subsets = [
    { name: "training", tasks: "abcdefgh".split("").map(t) },
    { name: "evaluation", tasks: ["x", "y", "z"].map(t) },
  ];
  const a = arcSubsets(subsets, "evaluation", 1), b = arcSubsets(subsets, "evaluation", 1);
  assertEquals(a.tasks.map((x) => x.id), b.tasks.map((x) => x.id));
  assertEquals(a.tasks.slice(0, 8).map((x) => x.id).sort().join(""), "abcdefgh");
  assertEquals([...a.testTasks].sort(), ["x", "y", "z"]);
  assertEquals(a.testSet.map((x) => x.id), a.tasks.slice(8).map((x) => x.id));
  const orders = new Set(
    [0, 1, 2, 3].map((s) => arcSubsets(subsets, "training", s).tasks.map((x) => x.id).join()),
  );
  assertEquals(orders.size > 1, true);
});

Deno.test("arcSubsets() rejects an unknown test set and a task in two subsets", () => {
  assertThrows(
    () => arcSubsets([{ name: "training", tasks: [t("a")] }], "evaluation"),
    DataError,
    '"evaluation" is not one',
  );
  assertThrows(
    () =>
      arcSubsets(
        [{ name: "training2", tasks: [t("a")] }, { name: "evaluation", tasks: [t("a")] }],
        "evaluation",
      ),
    DataError,
    'task "a" is in both subset "training2" and subset "evaluation"',
  );
});
