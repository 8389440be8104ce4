/** Shown by `health.check` and `keyflow --version`; bump with releases. */
export const SERVER_VERSION = "0.1.0";
