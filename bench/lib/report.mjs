// Small statistics, formatting, and the goals each figure is held against.
/** The median of the numbers among xs (Infinity counts: a timeout). */
export const median = (xs) => {
  const s = xs.filter((x) => typeof x === "number" && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
export const round = (x, digits = 0) => (x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));
export const mb = (kb) => (kb === null || kb === undefined ? null : round(kb / 1024, 1));
/** 1234.5 → "1,235"; with digits, fixed decimals. */
export const fmt = (x, digits = 0) => (x === null || x === undefined || !Number.isFinite(x) ? "n/a"
  : x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }));

/** The goals (≤ or ≥ a target), by figure key. */
export const GOALS = {
  launchToListeningMs: { op: "<=", target: 800, unit: "ms", digits: 0 },
  launchToFirstEchoMs: { op: "<=", target: 1000, unit: "ms", digits: 0 },
  restTotalRssMb: { op: "<=", target: 300, unit: "MB", digits: 1 },
  quietTotalRssMb: { op: "<=", target: 300, unit: "MB", digits: 1 },
  loadPeakTotalRssMb: { op: "<=", target: 400, unit: "MB", digits: 1 },
  afterLoadToRestRatio: { op: "<=", target: 1.2, unit: "× rest", digits: 2 },
  hostKbPerIdleSocket: { op: "<=", target: 20, unit: "KB", digits: 1 },
  setupsPerSecond: { op: ">=", target: 1300, unit: "setups/s", digits: 0 },
  echoesPerCpuSecond: { op: ">=", target: 5000, unit: "echoes/CPU-s", digits: 0 },
  echoP50Ms: { op: "<=", target: 0.5, unit: "ms", digits: 2 },
  echoP99Ms: { op: "<=", target: 2, unit: "ms", digits: 2 },
  warmupPercentOfSteady: { op: ">=", target: 75, unit: "% of steady", digits: 0 },
  overloadServedPercent: { op: ">=", target: 90, unit: "% of capacity", digits: 0 },
  overloadUnanswered: { op: "<=", target: 0, unit: "requests", digits: 0 },
};

/** true / false, or null when there is no value. */
export function met(key, value) {
  const g = GOALS[key];
  if (value === Infinity || value === "TIMEOUT") return g.op === ">="; // a timeout never meets a ≤ goal
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const shown = round(value, g.digits); // judged as printed
  return g.op === "<=" ? shown <= g.target : shown >= g.target;
}

/** "goal ≤ 800 ms: met" / "NOT MET" / "no figure". */
export function goalText(key, value) {
  const g = GOALS[key];
  const m = met(key, value);
  return `goal ${g.op === "<=" ? "≤" : "≥"} ${fmt(g.target, g.target % 1 ? 1 : 0)} ${g.unit}: ${m === null ? "NO FIGURE" : m ? "met" : "NOT MET"}`;
}

/** Prints a figure line: label, value text, and the goal with met / NOT MET if `goalKey` is given. */
export function line(label, text, goalKey, goalValue) {
  console.log(`  ${label.padEnd(38)} ${text}${goalKey ? `   [${goalText(goalKey, goalValue)}]` : ""}`);
}
/** Prints an explanatory line under a figure. */
export const note = (text) => console.log(`  ${"".padEnd(38)} ${text}`);
export const heading = (text) => console.log(`\n== ${text}`);

const t0 = Date.now();
/** Progress on stderr, only with BENCH_VERBOSE=1. */
export const progress = (text) => {
  if (process.env.BENCH_VERBOSE) console.error(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${text}`);
};
