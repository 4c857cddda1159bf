/**
 * The built-in task table and the task-plugin loader (`--task <name or module>`).
 *
 * @module
 */
export * from "./builtin.ts";
