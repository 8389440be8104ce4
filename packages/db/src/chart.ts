// The stored chart's shape lives in @keyflow/core (the web decodes stored results too).
export { backtestChartSchema, chartLineSchema, type BacktestChart, type ChartLine } from "@keyflow/core";
