/**
 * Presets: plain functions that pick plugins and settings. The paper's configurations (spec 1.4) plus a
 * small Sudoku run that trains on a laptop CPU in minutes.
 *
 * @module
 */
import type { TrmConfigInput } from "./core/config.ts";
import { mergeConfigInput, SMALL_STEPS, smallConfig } from "./core/small_config.ts";
import type { Task, TaskSpec } from "./core/task.ts";
import type { PreparedData, PresetDataOptions } from "./core/preset_data.ts";
import { sudokuPresetData } from "./tasks/sudoku/preset_data.ts";
import { mazePresetData } from "./tasks/maze/preset_data.ts";
import { arcPresetData } from "./tasks/arc/preset_data.ts";
import { attention } from "./plugins/attention/mod.ts";
import { mlpMixer } from "./plugins/mlp_mixer/mod.ts";
import { hrm, singleZ } from "./plugins/schemes/mod.ts";

/** Which task adapter a preset trains, and with which data. */
export type PresetTask =
  | {
    readonly kind: "sudoku";
    readonly boxRows: number;
    readonly boxCols: number;
    readonly minBlanks: number;
  }
  | { readonly kind: "maze"; readonly size: number; readonly minPathLength: number }
  | { readonly kind: "arc"; readonly version: 1 | 2 };

/** A named, complete training recipe. */
export interface Preset {
  /** Name used by `--preset`. */
  readonly name: string;
  /** One line for `--help` and the README. */
  readonly description: string;
  /** Task and data. */
  readonly task: PresetTask;
  /** The preset's data pipeline (generated puzzles, or `--data` files), defined beside its task. */
  readonly data: (options: PresetDataOptions) => Promise<PreparedData>;
  /** Model and optimisation (resolved with `resolveConfig`). */
  readonly config: TrmConfigInput;
  /** Optimizer steps of a full run. */
  readonly steps: number;
  /** Generated training puzzles (when the task generates its data). */
  readonly trainSize: number;
  /** Generated held-out puzzles. */
  readonly testSize: number;
}

/** Sudoku/Maze optimisation of the paper: wd 1.0, puzzle-embedding lr 1e-4 and wd 1.0, EMA 0.999. */
const SUDOKU_MAZE_OPTIM = { weightDecay: 1.0, puzzleEmbLr: 1e-4, puzzleEmbWeightDecay: 1.0 } as const;

/**
 * The default `deno task train` run: 4x4 Sudoku with at least half the cells blank and a unique solution,
 * learned to near-perfect held-out exact accuracy in about 5 minutes on 2 CPU cores (wasm).
 *
 * It keeps the paper's architecture (MLP-mixer, post-norm SwiGLU blocks, 16-position puzzle prefix,
 * stablemax, AdamATan2, EMA, ACT halting) but shrinks it to CPU size, and says so: D 64 instead of 512,
 * n 2 / T 2 instead of 6 / 3, N_sup 8 instead of 16, batch 64 instead of 768, lr 3e-3 with 50 warmup steps
 * instead of 1e-4 with 2000, and EMA 0.99 instead of 0.999 (the run is only 400 steps long).
 *
 * @example
 * ```ts
 * import { presets } from "@recursive/trm";
 * const p = presets.sudokuSmall();
 * if (p.task.kind !== "sudoku" || p.config.model?.hidden !== 64) throw new Error(p.name);
 * ```
 */
export function sudokuSmall(): Preset {
  return {
    name: "sudoku-small",
    description: "4x4 Sudoku (>= 8 of 16 cells blank, unique solution), ~5 min on 2 CPU cores",
    task: { kind: "sudoku", boxRows: 2, boxCols: 2, minBlanks: 8 },
    data: (o) => sudokuPresetData({ boxRows: 2, boxCols: 2, minBlanks: 8 }, o),
    config: {
      mixer: mlpMixer(),
      model: { hidden: 64 },
      recursion: { n: 2, T: 2 },
      supervision: { maxSteps: 8 },
      optim: {
        batchSize: 64,
        lr: 3e-3,
        warmupSteps: 50,
        weightDecay: 0.1,
        puzzleEmbLr: 1e-3,
        emaDecay: 0.99,
      },
    },
    steps: 400,
    trainSize: 2500,
    testSize: 500,
  };
}

/**
 * The paper's Sudoku-Extreme TRM-MLP (87.4%): D 512, T 3, n 6, MLP-mixer, no positional encoding, batch
 * 768, lr 1e-4, wd 1.0, EMA 0.999; 5,028,866 parameters. 50k epochs over 1k puzzles x 1000 augmentations.
 *
 * @example
 * ```ts
 * import { presets } from "@recursive/trm";
 * const p = presets.sudokuMlp();
 * if (p.config.mixer.kind !== "mlp-mixer" || p.config.recursion?.n !== 6) throw new Error(p.name);
 * ```
 */
export function sudokuMlp(): Preset {
  return {
    name: "sudoku-mlp",
    description: "Paper Sudoku-Extreme TRM-MLP (5.0M params, 87.4% in the paper)",
    task: { kind: "sudoku", boxRows: 3, boxCols: 3, minBlanks: 50 },
    data: (o) => sudokuPresetData({ boxRows: 3, boxCols: 3, minBlanks: 50 }, o),
    config: { mixer: mlpMixer(), recursion: { n: 6, T: 3 }, optim: { batchSize: 768, ...SUDOKU_MAZE_OPTIM } },
    steps: 65_104,
    trainSize: 1000,
    testSize: 1000,
  };
}

/**
 * The paper's Sudoku-Extreme TRM-Att (74.7%): as {@linkcode sudokuMlp} with attention + RoPE; 6,828,034
 * parameters.
 *
 * @example
 * ```ts
 * import { presets } from "@recursive/trm";
 * if (presets.sudokuAtt().config.mixer.kind !== "attention") throw new Error("attention");
 * ```
 */
export function sudokuAtt(): Preset {
  return {
    ...sudokuMlp(),
    name: "sudoku-att",
    description: "Paper Sudoku-Extreme TRM-Att (6.8M params, 74.7%)",
    config: { ...sudokuMlp().config, mixer: attention({ heads: 8 }) },
  };
}

/**
 * The paper's Maze-Hard TRM-Att (85.3%): attention + RoPE, T 3, n 4, batch 768, lr 1e-4, wd 1.0.
 *
 * @example
 * ```ts
 * import { presets } from "@recursive/trm";
 * if (presets.mazeHard().config.recursion?.n !== 4) throw new Error("n = 4");
 * ```
 */
export function mazeHard(): Preset {
  return {
    name: "maze-hard",
    description: "Paper Maze-Hard TRM-Att, 30x30 mazes with shortest path >= 110 (85.3%)",
    task: { kind: "maze", size: 30, minPathLength: 110 },
    data: (o) => mazePresetData({ size: 30, minPathLength: 110 }, o),
    config: {
      mixer: attention({ heads: 8 }),
      recursion: { n: 4, T: 3 },
      optim: { batchSize: 768, ...SUDOKU_MAZE_OPTIM },
    },
    steps: 65_104,
    trainSize: 1000,
    testSize: 1000,
  };
}

/**
 * The paper's ARC-AGI-1 TRM-Att (44.6% pass@2): attention + RoPE, T 3, n 4, lr 1e-4, puzzle lr 1e-2,
 * wd 0.1 (the defaults), 1000 augmentations per task, ConceptARC included.
 *
 * @example
 * ```ts
 * import { presets } from "@recursive/trm";
 * if (presets.arc1().config.optim?.puzzleEmbLr !== 1e-2) throw new Error("puzzle lr");
 * ```
 */
export function arc1(): Preset {
  return {
    name: "arc1",
    description: "Paper ARC-AGI-1 TRM-Att (44.6% pass@2); needs --data",
    task: { kind: "arc", version: 1 },
    data: (o) => arcPresetData(1, o),
    config: {
      mixer: attention({ heads: 8 }),
      recursion: { n: 4, T: 3 },
      optim: { batchSize: 768, puzzleEmbLr: 1e-2, weightDecay: 0.1, puzzleEmbWeightDecay: 0.1 },
    },
    steps: 518_000,
    trainSize: 0,
    testSize: 0,
  };
}

/**
 * The paper's ARC-AGI-2 TRM-Att (7.8% pass@2): as {@linkcode arc1} on ARC-AGI-2 (never mixed with
 * ARC-AGI-1 evaluation tasks).
 *
 * @example
 * ```ts
 * import { presets } from "@recursive/trm";
 * if (presets.arc2().task.kind !== "arc") throw new Error("arc");
 * ```
 */
export function arc2(): Preset {
  return {
    ...arc1(),
    name: "arc2",
    description: "Paper ARC-AGI-2 TRM-Att (7.8% pass@2); needs --data",
    task: { kind: "arc", version: 2 },
    data: (o) => arcPresetData(2, o),
    steps: 722_000,
  };
}

/**
 * The official HRM on Sudoku-Extreme (the TRM repository's `config/arch/hrm.yaml`): H and L networks of 4
 * attention + RoPE blocks each, H_cycles 2 (T), L_cycles 2 (n), a 1-position puzzle prefix, Q-learning
 * halting with exploration 0.1, N_sup 16, and no EMA (HRM's recipe); the Sudoku optimisation otherwise.
 *
 * @example
 * ```ts
 * import { presets } from "@recursive/trm";
 * const p = presets.hrmSudoku();
 * if (p.config.scheme?.kind !== "hrm" || p.config.model?.puzzleEmbLen !== 1) throw new Error(p.name);
 * ```
 */
export function hrmSudoku(): Preset {
  return {
    ...sudokuMlp(),
    name: "hrm-sudoku",
    description: "Official HRM on Sudoku-Extreme (H and L 4 layers, H/L cycles 2, no EMA)",
    config: {
      mixer: attention({ heads: 8 }),
      scheme: hrm({ hLayers: 4, lLayers: 4 }),
      model: { puzzleEmbLen: 1 },
      recursion: { n: 2, T: 2 },
      optim: { batchSize: 768, ...SUDOKU_MAZE_OPTIM, emaDecay: null },
    },
  };
}

/**
 * The official single-z TRM (`config/arch/trm_singlez.yaml`) on Sudoku-Extreme: one latent z, attention +
 * RoPE, T 3, n 6, 16-position puzzle prefix; the paper's ablation of TRM's separate y and z.
 *
 * @example
 * ```ts
 * import { presets } from "@recursive/trm";
 * if (presets.singlezSudoku().config.scheme?.kind !== "singlez") throw new Error("single-z");
 * ```
 */
export function singlezSudoku(): Preset {
  return {
    ...sudokuAtt(),
    name: "singlez-sudoku",
    description: "Official TRM single-z on Sudoku-Extreme (one latent, attention)",
    config: { ...sudokuAtt().config, scheme: singleZ() },
  };
}

/**
 * A CPU-sized config for any task (or bare spec): `smallConfig(spec, steps)` with the MLP-mixer, then
 * the task's own `preset.config`, then `overrides`. `steps` defaults to the task's `preset.steps` or
 * 400. Check the result with `runLengthWarnings(resolveConfig(c), steps)` when you change the run length.
 *
 * @example
 * ```ts
 * import { presets, resolveConfig } from "@recursive/trm";
 * const spec = { name: "sort", vocabSize: 10, seqLen: 8, numPuzzleIds: 1 };
 * const c = resolveConfig(presets.small(spec, 100, { optim: { batchSize: 16 } }));
 * if (c.mixer.kind !== "mlp-mixer" || c.optim.batchSize !== 16 || c.model.hidden !== 64) throw new Error("small");
 * ```
 */
export function small(
  task: TaskSpec | Pick<Task<unknown>, "spec" | "preset">,
  steps?: number,
  overrides: Partial<TrmConfigInput> = {},
): TrmConfigInput {
  const spec = "spec" in task ? task.spec : task, preset = "spec" in task ? task.preset : undefined;
  const base = smallConfig(spec, steps ?? preset?.steps ?? SMALL_STEPS, { mixer: mlpMixer() });
  return mergeConfigInput(mergeConfigInput(base, preset?.config), overrides) as TrmConfigInput;
}
