/**
 * The request header Keyflow's own clients (the web app, the CLI) send with every API call. A web
 * page of another site cannot add a custom header without a CORS preflight, which the server never
 * grants, so a mutation that lacks it did not come from Keyflow.
 */
export const KEYFLOW_CLIENT_HEADER = "x-keyflow-client";
