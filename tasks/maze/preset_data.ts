/**
 * The data of a Maze preset: generated perfect mazes with a long unique shortest path, or the paper's CSV
 * files; reports path validity beside exact accuracy.
 *
 * @module
 */
import { type PreparedData, type PresetDataOptions, trainAndTest } from "../../core/mod.ts";
import { loadMazeCsv } from "./csv.ts";
import { generateMazeSet } from "./generator.ts";
import { mazeTask } from "./maze.ts";
import { mazeTestSource, mazeTrainSource } from "./source.ts";

/** Size and difficulty of a Maze preset. */
export interface MazePresetShape {
  /** Side of the maze grid. */
  readonly size: number;
  /** Shortest shortest-path length of a generated maze. */
  readonly minPathLength: number;
}

/** Prepares a Maze preset's data (generated, or `o.data` as a CSV file with `test.csv` beside it). */
export async function mazePresetData(t: MazePresetShape, o: PresetDataOptions): Promise<PreparedData> {
  const { train, test, origin } = await trainAndTest(
    o,
    "maze",
    (path) => loadMazeCsv(path),
    (count) => generateMazeSet(o.seed, count, { size: t.size, minPathLength: t.minPathLength }),
    `generated, shortest path >= ${t.minPathLength}`,
  );
  const task = mazeTask({ size: train[0]?.size ?? t.size });
  const testSource = mazeTestSource(task, test);
  return {
    spec: task.spec,
    train: mazeTrainSource(task, train, { seed: o.seed }),
    test: testSource,
    report: (r) =>
      Promise.resolve({
        path_validity: r.predictions.filter((p, i) => task.score(p, testSource.example(i)).pathValid).length /
          r.count,
      }),
    describe: `${
      task.spec.seqLen === 900 ? "30x30" : "small"
    } mazes (${origin}): ${train.length} train / ${test.length} held-out`,
  };
}
