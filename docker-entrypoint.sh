#!/usr/bin/env bash
# docker-entrypoint.sh: the container's process supervisor (see docs/deploy.md, "Processes and restarts").
#
# With arguments, runs that command instead (`docker compose run --rm ai-trader ai-trader data status`).
# Without:
#   1. builds the settings (environment + .env), checks DATA_DIR is a writable directory, applies the database
#      migrations, so a bad setting fails here with a clear message;
#   2. starts the four MCP tool servers (`ai-trader mcp --only NAME`, one process each) unless MCP_ENABLED is
#      false, and waits until each answers HTTP on its port at /mcp (deadline STARTUP_TIMEOUT_SECONDS, default 60;
#      fails at once if one exits);
#   3. starts the API (`ai-trader serve --mcp-external`: it does not start MCP servers but /health checks them);
#   4. supervises: TERM/INT are forwarded to every child (KILL after SHUTDOWN_GRACE_SECONDS + 5 s); when any child
#      exits on its own, the others are stopped and the script exits non-zero, so Docker's restart policy starts
#      the container again. Docker never restarts a container for being unhealthy, hence this design.
set -uo pipefail

SELF=docker-entrypoint
LOG_FORMAT_LC=$(printf '%s' "${LOG_FORMAT:-json}" | tr '[:upper:]' '[:lower:]')

json_escape() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  printf '%s' "${s//$'\t'/\\t}"
}

# log LEVEL MESSAGE [KEY VALUE]... : one JSON line on stdout (or a console line when LOG_FORMAT=console).
log() {
  local level=$1 msg=$2 extra="" ts
  shift 2
  ts=$(date -u +%Y-%m-%dT%H:%M:%S%z)
  if [ "$LOG_FORMAT_LC" = console ]; then
    while [ $# -ge 2 ]; do extra+=" $1=$2"; shift 2; done
    printf '%s %-7s %s: %s%s\n' "$ts" "$level" "$SELF" "$msg" "$extra"
    return
  fi
  while [ $# -ge 2 ]; do
    case $2 in
      '' | *[!0-9]*) extra+=",\"$1\":\"$(json_escape "$2")\"" ;;
      *) extra+=",\"$1\":$2" ;;
    esac
    shift 2
  done
  printf '{"timestamp":"%s","level":"%s","logger":"%s","message":"%s"%s}\n' \
    "$ts" "$level" "$SELF" "$(json_escape "$msg")" "$extra"
}

if [ $# -gt 0 ]; then
  exec "$@"
fi

# --- 1. settings, data directory, migrations (one source of truth: ai_trader.settings.Settings) ----------------
PREPARE=$(
  cat <<'PY'
import sys
from ai_trader.settings import INVALID, Settings, describe_invalid
from ai_trader.store import Store

try:
    s = Settings()
except INVALID as exc:
    sys.exit(describe_invalid(exc))
d = s.data_dir.resolve()
try:
    d.mkdir(parents=True, exist_ok=True)
    probe = d / ".write-probe"
    probe.write_text("ok")
    probe.unlink()
except OSError as exc:
    sys.exit(f"DATA_DIR {d} is not a writable directory ({exc}); the container runs as uid/gid "
             f"{__import__('os').getuid()}:{__import__('os').getgid()}, give it that owner")
store = Store(s.db_path)
version = store.schema_version()
store.close()
host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(s.mcp_host, s.mcp_host)
if ":" in host:
    host = f"[{host}]"
print(d, version, int(s.mcp_enabled), host, s.math_http_port, s.search_http_port, s.trade_http_port,
      s.getprice_http_port, s.shutdown_grace_seconds, sep="\t")
PY
)

# Waits until every NAME:PORT:PID target answers HTTP at /mcp (any status counts); exits 3 when a target's
# process is gone, 2 at the deadline. Prints each name when it answers.
PROBE=$(
  cat <<'PY'
import os, sys, time, urllib.error, urllib.request

deadline = time.monotonic() + float(sys.argv[1])
host = sys.argv[2]
pending = {}
for arg in sys.argv[3:]:
    name, port, pid = arg.split(":")
    pending[name] = (int(port), int(pid))
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
            return True
        except OSError:
            return False


while pending:
    for name, (port, pid) in list(pending.items()):
        if not alive(pid):
            print(f"{name}: process {pid} exited before answering", file=sys.stderr)
            sys.exit(3)
        try:
            opener.open(f"http://{host}:{port}/mcp", timeout=1).close()
        except urllib.error.HTTPError:
            pass  # an HTTP answer, whatever its status: the server is up
        except OSError:
            continue
        del pending[name]
        print(name, flush=True)
    if pending and time.monotonic() > deadline:
        print("no answer from " + ", ".join(f"{n} (port {p})" for n, (p, _) in pending.items()), file=sys.stderr)
        sys.exit(2)
    time.sleep(0.1)
PY
)

if ! prepared=$(python -c "$PREPARE"); then
  log ERROR "start-up checks failed (settings, DATA_DIR or migrations); see the message above"
  exit 2
fi
IFS=$'\t' read -r DATA_DIR_RESOLVED SCHEMA_VERSION MCP_ON PROBE_HOST MATH_PORT SEARCH_PORT TRADE_PORT PRICE_PORT GRACE \
  <<<"$prepared"
log INFO "database ready" data_dir "$DATA_DIR_RESOLVED" schema_version "$SCHEMA_VERSION"

STARTUP_TIMEOUT=${STARTUP_TIMEOUT_SECONDS:-60}
STOP_TIMEOUT=$(python -c "import sys; print(max(1, int(float(sys.argv[1]) + 5.999)))" "$GRACE")

NAMES=()
PIDS=()
PROBE_PID=""

start() { # NAME COMMAND...
  local name=$1
  shift
  "$@" &
  NAMES+=("$name")
  PIDS+=("$!")
  log INFO "started $name" process "$name" pid "$!"
}

any_alive() {
  local pid
  for pid in "$@"; do
    if kill -0 "$pid" 2>/dev/null; then return 0; fi
  done
  return 1
}

# Stops every child: TERM, then KILL after STOP_TIMEOUT seconds; reaps them all.
stop_all() {
  local pid waited=0
  trap '' TERM INT
  if [ -n "$PROBE_PID" ]; then kill -TERM "$PROBE_PID" 2>/dev/null; fi
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  while any_alive "${PIDS[@]}" && [ "$waited" -lt $((STOP_TIMEOUT * 10)) ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      log WARNING "process did not stop within ${STOP_TIMEOUT}s, killing it" pid "$pid"
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  wait 2>/dev/null
}

# shellcheck disable=SC2329  # invoked by the traps below
on_signal() {
  log INFO "received SIG$1, stopping all processes" signal "$1"
  stop_all
  log INFO "stopped"
  exit 0
}
trap 'on_signal TERM' TERM
trap 'on_signal INT' INT

name_of() {
  local i
  for i in "${!PIDS[@]}"; do
    if [ "${PIDS[$i]}" = "$1" ]; then printf '%s' "${NAMES[$i]}"; return; fi
  done
  printf 'pid %s' "$1"
}

# --- 2. MCP tool servers ---------------------------------------------------------------------------------------
if [ "$MCP_ON" = 1 ]; then
  # One process per server, so each can fail (and be reported) on its own.
  start mcp-math ai-trader mcp --only math
  start mcp-search ai-trader mcp --only search
  start mcp-trade ai-trader mcp --only trade
  start mcp-price ai-trader mcp --only price
  python -c "$PROBE" "$STARTUP_TIMEOUT" "$PROBE_HOST" \
    "mcp-math:$MATH_PORT:${PIDS[0]}" "mcp-search:$SEARCH_PORT:${PIDS[1]}" \
    "mcp-trade:$TRADE_PORT:${PIDS[2]}" "mcp-price:$PRICE_PORT:${PIDS[3]}" >/dev/null &
  PROBE_PID=$!
  wait "$PROBE_PID"
  rc=$?
  PROBE_PID=""
  if [ "$rc" -ne 0 ]; then
    log ERROR "MCP tool servers did not come up" exit_status "$rc" timeout_seconds "$STARTUP_TIMEOUT"
    stop_all
    exit 1
  fi
  log INFO "MCP tool servers answer" math_port "$MATH_PORT" search_port "$SEARCH_PORT" \
    trade_port "$TRADE_PORT" getprice_port "$PRICE_PORT"
else
  log INFO "MCP_ENABLED is false: not starting the MCP tool servers"
fi

# --- 3. API (+ worker) -----------------------------------------------------------------------------------------
start api ai-trader serve --mcp-external

# --- 4. supervise ----------------------------------------------------------------------------------------------
wait -n -p DIED "${PIDS[@]}"
rc=$?
log ERROR "$(name_of "${DIED:-?}") exited, stopping the others" pid "${DIED:-0}" exit_status "$rc"
stop_all
if [ "$rc" -eq 0 ]; then rc=1; fi
exit "$rc"
