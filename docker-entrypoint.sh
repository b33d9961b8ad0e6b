#!/bin/sh
# docker-entrypoint.sh: with arguments, run them (`docker compose run --rm ai-trader ai-trader data status`);
# without, the service: `ai-trader serve` supervises the API, the worker and the MCP tool servers itself (see
# docs/deploy.md, "Processes, signals and restarts"). tini (compose `init: true`) is PID 1 and forwards signals.
set -eu
if [ "$#" -gt 0 ]; then
  exec "$@"
fi
exec ai-trader serve
