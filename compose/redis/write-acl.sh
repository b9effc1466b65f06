#!/bin/sh
# Writes Redis's ACL file from the environment, then runs the rest of its arguments (Redis).
#
#   write-acl.sh <acl file> [command ...]
#
# Users (Redis's `default` user is off, so every connection must authenticate):
#   gateway      REDIS_GATEWAY_PASSWORD    the two gateways
#   subgraphs    REDIS_SUBGRAPHS_PASSWORD  the four subgraphs (and the rampart CLI)
#   healthcheck  no password               PING only, for the container's health check
#
# Services share one keyspace by design (sessions, lockdown, counters, the security event
# stream), so the users differ by who they are, not by keys: each may run only the commands
# the stores in packages/kit/src/stores/redis.ts send (strings, sets, counters, streams and
# consumer groups, pub/sub, MULTI, the stores' Lua scripts, PING, TIME, INFO for the client's
# ready check), and none of the dangerous ones (KEYS, FLUSHALL, CONFIG, DEBUG, MODULE, ACL,
# SHUTDOWN, MIGRATE, FUNCTION, ...). Passwords are stored as SHA-256 hashes, never in clear.
set -eu

if [ "$#" -lt 1 ]; then
  echo "usage: write-acl.sh <acl file> [command ...]" >&2
  exit 2
fi
acl_file=$1
shift

missing=""
for variable in REDIS_GATEWAY_PASSWORD REDIS_SUBGRAPHS_PASSWORD; do
  eval "value=\${$variable:-}"
  # shellcheck disable=SC2154 # set by the eval above
  if [ "${#value}" -lt 16 ]; then missing="$missing $variable"; fi
done
if [ -n "$missing" ]; then
  echo "redis: refusing to start: set$missing in .env to at least 16 characters (npm run rampart -- secrets)" >&2
  exit 1
fi

hash() { printf %s "$1" | sha256sum | cut -d ' ' -f 1; }

commands="-@all +@connection +@read +@write +@keyspace +@stream +@pubsub +@transaction"
commands="$commands +eval +evalsha +eval_ro +evalsha_ro +script|load +script|exists"
commands="$commands +ping +time -@dangerous -function +info"

umask 077
{
  echo "user default off resetkeys resetchannels -@all"
  echo "user healthcheck on nopass resetkeys resetchannels -@all +ping"
  echo "user gateway on #$(hash "$REDIS_GATEWAY_PASSWORD") ~* &* $commands"
  echo "user subgraphs on #$(hash "$REDIS_SUBGRAPHS_PASSWORD") ~* &* $commands"
} >"$acl_file"
# The official image starts Redis as the `redis` user: let it read the file.
if [ "$(id -u)" = 0 ] && id redis >/dev/null 2>&1; then chown redis "$acl_file"; fi

if [ "$#" -gt 0 ]; then exec "$@"; fi
