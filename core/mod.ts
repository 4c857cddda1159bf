/**
 * The TRM core: model, recursion, deep supervision, losses, optimizers and the task contract.
 *
 * @module
 */
export * from "./rng.ts";
export * from "./task.ts";
export * from "./sources.ts";
export * from "./backend.ts";
export * from "./params.ts";
export * from "./state.ts";
export * from "./layers.ts";
export * from "./mixer.ts";
export * from "./config.ts";
export * from "./model.ts";
export * from "./loss.ts";
export * from "./recursion.ts";
export * from "./adam_atan2.ts";
export * from "./schedule.ts";
export * from "./ema.ts";
export * from "./puzzle_embedding.ts";
export * from "./batch.ts";
export * from "./halting.ts";
export * from "./train_session.ts";
export * from "./slot_gradients.ts";
export * from "./data_parallel.ts";
export * from "./workers_choice.ts";
export * from "./config_rebuild.ts";
export * from "./evaluate.ts";
export * from "./predict.ts";
export * from "./sampling.ts";
export * from "./small_config.ts";
export * from "./recompute.ts";
export * from "./gradient.ts";
export * from "./answer_loss.ts";
export * from "./scheme.ts";
export * from "./trainer.ts";
export * from "./task_data.ts";
export * from "./preset_data.ts";
export * from "./flops.ts";
export * from "./memory_estimate.ts";
