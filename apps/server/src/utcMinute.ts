/** 1704067200000 → "2024-01-01 00:00": how the server's logs, bot events and CLI write a time (UTC, to the minute). */
export const utcMinute = (t: number): string => new Date(t).toISOString().slice(0, 16).replace("T", " ");
