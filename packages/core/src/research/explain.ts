/** One sentence per validation number, shown next to it in the app and the CLI. */
export const RESEARCH_WORDS = {
  trials:
    "Combinations tried: the more you try, the better the best one looks by luck alone, so the statistics below account for all of them.",
  deflatedSharpe:
    "Deflated Sharpe ratio (Bailey & López de Prado 2014): the probability that the best combination's Sharpe ratio is real skill rather than the luckiest of this many tries; above 0.95 is convincing.",
  pbo: "Probability of backtest overfitting (CSCV, Bailey et al. 2015): how often the combination that is best on half of the history ranks in the bottom half on the other half; below 0.2 is reassuring, near 0.5 or above means the ranking is noise.",
  walkForwardEfficiency:
    "Walk-forward efficiency: annualised return out of sample over annualised return in sample; near 1 the edge held up on unseen data, near 0 or below it was fitted to noise.",
  monteCarlo:
    "Monte Carlo: the same trades in 1,000 other orders (shuffle) or drawn with replacement (bootstrap); the spread shows how much of the drawdown and the result was the luck of the sequence.",
  holdout:
    "Locked hold-out: the most recent candles, never seen by sweeps or walk-forward; unlocking runs the chosen parameters on them once and is recorded.",
} as const;
