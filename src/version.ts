/** The deployment's version, as /healthz, the OpenAPI document and the MCP server report it. */
export const VERSION = "0.1.0";
