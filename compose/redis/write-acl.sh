#!/bin/sh
# Writes Redis's ACL file from the environment, then runs the rest of its arguments (Redis).
#
#   write-acl.sh <acl file> [command ...]
#
# Users (Redis's `default` user is off, so every connection must authenticate):
#   gateway        REDIS_GATEWAY_PASSWORD        the two gateways
#   security       REDIS_SECURITY_PASSWORD       the security subgraph
#   commerce       REDIS_COMMERCE_PASSWORD       the commerce subgraph
#   notifications  REDIS_NOTIFICATIONS_PASSWORD  the notifications subgraph
#   fulfillment    REDIS_FULFILLMENT_PASSWORD    the fulfillment subgraph
#   rampart        REDIS_RAMPART_PASSWORD        the `rampart` CLI (break-glass operator tasks)
#   healthcheck    no password                   PING only, for the container's health check
#
# Each user may touch only the keys and channels its service uses (the map is below, and in
# docs/operations.md, "Redis users"), read-only (`%R~`) where it only reads, and publish only
# where it announces: a compromised commerce subgraph cannot rewrite a session, the lockdown
# switch, the identity key ring or another subgraph's replay guard, nor announce a fake lockdown.
# Commands are those the stores in packages/kit/src/stores/redis.ts send (strings, sets,
# counters, streams and consumer groups, pub/sub, MULTI, the stores' Lua scripts, PING, TIME,
# INFO for the client's ready check), never the dangerous ones (KEYS, FLUSHALL, CONFIG, DEBUG,
# MODULE, ACL, SHUTDOWN, MIGRATE, FUNCTION, ...) nor SCAN and RANDOMKEY (key names hold user
# ids and IP addresses). Lua scripts run with their caller's permissions.
# The patterns assume compose's empty REDIS_KEY_PREFIX. Passwords are stored as SHA-256
# hashes, never in clear.
set -eu

if [ "$#" -lt 1 ]; then
  echo "usage: write-acl.sh <acl file> [command ...]" >&2
  exit 2
fi
acl_file=$1
shift

users="GATEWAY SECURITY COMMERCE NOTIFICATIONS FULFILLMENT RAMPART"
missing=""
for user in $users; do
  eval "value=\${REDIS_${user}_PASSWORD:-}"
  # shellcheck disable=SC2154 # set by the eval above
  if [ "${#value}" -lt 16 ]; then missing="$missing REDIS_${user}_PASSWORD"; fi
done
if [ -n "$missing" ]; then
  echo "redis: refusing to start: set$missing in .env to at least 16 characters (npm run rampart -- secrets --write .env fills the empty and missing ones; REDIS_SUBGRAPHS_PASSWORD is no longer used)" >&2
  exit 1
fi

hash() { printf %s "$1" | sha256sum | cut -d ' ' -f 1; }

commands="-@all +@connection +@read +@write +@keyspace +@stream +@pubsub +@transaction"
commands="$commands +eval +evalsha +eval_ro +evalsha_ro +script|load +script|exists"
commands="$commands +ping +time -@dangerous -function -scan -randomkey +info"

# Keys and channels, by what holds them (packages/kit/src unless a subgraph is named).
sessions="~session:* ~user-sessions:* ~live-sessions"   # sessions.ts: records and indexes
revoked="sessions-revoked-before:*"                     # sessions.ts: bulk revocations
lockdown="lockdown:state"                               # lockdown.ts
key_ring="identity:key-ring"                            # identity-keys/ring.ts
allowlist="ip-allowlist:snapshot"                       # ip-allowlist/snapshot.ts
stream="security-events"                                # security-event-types.ts
notices="customer-notices"                              # customer-notices.ts
# Every process records its security events (XADD only: no reading, trimming or deleting).
append_events="(%W~$stream +xadd)"
replay_guard() { echo "~identity:jti:$1:*"; } # identity.ts: AssertionReplayGuard, by audience
# Channels a user subscribes to are granted together, in one selector with SUBSCRIBE only:
# after a reconnect ioredis subscribes to all of them in one SUBSCRIBE, and Redis allows a
# command only when one selector (or the user's root permissions) allows all of it. Channels
# a user announces on are granted in its root permissions (PUBLISH). Every process follows
# identity key rotations (identity:key-ring:changed); only the CLI announces them.

# A user's line: name, password, then its permissions.
user() {
  name=$1
  password=$2
  shift 2
  echo "user $name on #$(hash "$password") resetkeys resetchannels $commands $*"
}

umask 077
{
  echo "user default off resetkeys resetchannels -@all"
  echo "user healthcheck on nopass resetkeys resetchannels -@all +ping"
  # Resumes and ends sessions; budgets; reads what security and the CLI switch.
  user gateway "$REDIS_GATEWAY_PASSWORD" \
    "$sessions ~{rl:gateway:*" \
    "%R~$revoked %R~$lockdown %R~$allowlist %R~$key_ring" \
    "&session-revoked" \
    "$append_events" \
    "(+subscribe &session-revoked &lockdown:changed &ip-allowlist:changed &identity:key-ring:changed)"
  # Sessions API, 2FA (stamps, lockouts, field limits), lockdown, allowlist, the event pipeline,
  # Clerk's webhook deliveries acted on (modules/memberships).
  user security "$REDIS_SECURITY_PASSWORD" \
    "$sessions ~$revoked ~$lockdown ~$allowlist ~2fa:* ~field-rate:* ~clerk-webhook:* ~$stream" \
    "$(replay_guard security) %R~$key_ring" \
    "&session-revoked &lockdown:changed &ip-allowlist:changed" \
    "&security-events:stored &security-alerts:changed" \
    "(+subscribe &security-events:stored &security-alerts:changed &identity:key-ring:changed)"
  user commerce "$REDIS_COMMERCE_PASSWORD" \
    "$(replay_guard commerce) %R~$key_ring" \
    "$append_events" \
    "(+subscribe &identity:key-ring:changed)"
  # Alert dispatch and customer notices: a consumer group on each stream; the notifications feed.
  user notifications "$REDIS_NOTIFICATIONS_PASSWORD" \
    "$(replay_guard notifications) %R~$key_ring" \
    "&notifications:created" \
    "$append_events" \
    "(~$stream +xgroup|create +xreadgroup +xack)" \
    "(~$notices +xgroup|create +xreadgroup +xack)" \
    "(+subscribe &notifications:created &identity:key-ring:changed)"
  # Hands customer notices to notifications (XADD only, trimmed with MAXLEN).
  user fulfillment "$REDIS_FULFILLMENT_PASSWORD" \
    "$(replay_guard fulfillment) %R~$key_ring" \
    "$append_events" \
    "(%W~$notices +xadd)" \
    "(+subscribe &identity:key-ring:changed)"
  # keys rotate identity, lockdown, sessions revoke, allowlist, events tail.
  user rampart "$REDIS_RAMPART_PASSWORD" \
    "~$key_ring ~$lockdown ~$revoked ~$allowlist" \
    "&identity:key-ring:changed &lockdown:changed &session-revoked &ip-allowlist:changed" \
    "$append_events" \
    "(%R~$stream +xrange +xread)"
} >"$acl_file"
# The official image starts Redis as the `redis` user: let it read the file.
if [ "$(id -u)" = 0 ] && id redis >/dev/null 2>&1; then chown redis "$acl_file"; fi

if [ "$#" -gt 0 ]; then exec "$@"; fi
