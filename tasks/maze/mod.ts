/**
 * The Maze task (Maze-Hard): tokens as the reference (`"# SGo"` -> 1..5, PAD 0, V 6, L size * size),
 * a seeded generator of hard mazes whose shortest path is unique (perfect mazes, or with `loops`),
 * disjoint train/test sets, the Maze-Hard CSV loader, exact and path-validity scoring ("valid but
 * different" answers count as valid paths), and data sources with dihedral augmentation on by default.
 *
 * @example
 * ```ts
 * import { createRng } from "@recursive/trm/core";
 * import { generateMaze, mazeTask } from "@recursive/trm/tasks/maze";
 * const task = mazeTask();
 * const ex = task.encode(generateMaze(createRng(0)));
 * if (!task.score(ex.label, ex).pathValid) throw new Error("the label is a valid path");
 * ```
 * @module
 */
export * from "./maze.ts";
export * from "./generator.ts";
export * from "./csv.ts";
export * from "./source.ts";
export * from "./preset_data.ts";
