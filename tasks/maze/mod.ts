/**
 * The Maze task (Maze-Hard): tokens as the reference, a seeded generator of hard mazes with a unique
 * shortest path, the Maze-Hard CSV loader, exact and path-validity scoring, and data sources with
 * dihedral augmentation.
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
