/**
 * Recursion schemes beside TRM (which is the core's default, `trm()`): HRM and TRM single-z, each
 * pinned to the official code by golden tests.
 *
 * @module
 */
export * from "./hrm.ts";
export * from "./singlez.ts";
export * from "./ablations.ts";
