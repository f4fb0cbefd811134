#!/usr/bin/env bash
# Installs what the test suite needs, runs all of it on SQLite, runs the service's tests again on a PostgreSQL server
# started for the run, and ends with one line summing both runs: "N passed, N failed[, N skipped]".
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
postgres_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
[ -x /usr/sbin/dovecot ] || packages+=(dovecot-imapd)
[ -x /usr/bin/sqlite3 ] || packages+=(sqlite3)
[ -n "$(postgres_bin)" ] || packages+=(postgresql)
if [ ${#packages[@]} -gt 0 ]; then
  echo "Installing ${packages[*]} ..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

dotnet tool restore >/dev/null

# The results (trx) of every run: deleted after a run that passed, kept and named at the end after one that did not.
results=$(mktemp -d /tmp/corrections-test-results-XXXXXX)
postgres_dir=""
status=0
summary=""
cleanup() {
  local code=$?
  if [ -n "$postgres_dir" ]; then
    as_postgres "$(postgres_bin)/pg_ctl" -D "$postgres_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$postgres_dir"
  fi
  if [ "$status" -eq 0 ] && [ "$code" -eq 0 ]; then
    rm -rf "$results"
  elif [ -z "$summary" ]; then
    echo "Test results (trx) of this run are kept in $results"
  fi
}
trap cleanup EXIT

# Root may not run PostgreSQL: as root the server runs as Debian's postgres user, otherwise as whoever runs this.
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Below the kernel's ephemeral range (32768 up), where no outgoing connection takes a port; the tests take theirs there too.
free_port() {
  local port
  while :; do
    port=$((10000 + RANDOM % 22000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# A throwaway PostgreSQL on 127.0.0.1 with its data and socket in a temporary folder, trusting local logins; each test
# makes a database of its own on it. Durability is off: nothing here outlives the run.
start_postgres() {
  local bin port
  bin=$(postgres_bin)
  port=$(free_port)
  postgres_dir=$(mktemp -d /tmp/corrections-postgres-XXXXXX)
  [ "$(id -u)" -ne 0 ] || chown postgres: "$postgres_dir"
  as_postgres "$bin/initdb" -D "$postgres_dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
  if ! as_postgres "$bin/pg_ctl" -D "$postgres_dir/data" -l "$postgres_dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $postgres_dir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null; then
    cat "$postgres_dir/server.log" >&2
    return 1
  fi
  export CORRECTIONS_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

run() {
  local name=$1 started
  shift
  started=$(date +%s)
  set +e
  "$@" --logger "trx" --results-directory "$results/$name"
  local code=$?
  set -e
  [ "$code" -eq 0 ] || status=$code
  echo "$name run: $(( $(date +%s) - started )) s"
}

run sqlite dotnet test Corrections.sln "$@"
start_postgres
CORRECTIONS_TEST_DATABASE=PostgreSql run postgresql dotnet test tests/Corrections.Tests --no-build "$@"

passed=0; failed=0; skipped=0
for trx in "$results"/*/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  value() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  total=$(value total); executed=$(value executed)
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + total - executed))
done

[ "$failed" -eq 0 ] || status=1
[ "$status" -eq 0 ] || echo "Test results (trx) of this run are kept in $results"
summary="$passed passed, $failed failed"
[ "$skipped" -eq 0 ] || summary="$summary, $skipped skipped"
echo "$summary"
exit $status
