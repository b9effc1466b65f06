#!/bin/sh
# One least-privilege PostgreSQL role per subgraph, run once by the postgres image on an empty
# volume (/docker-entrypoint-initdb.d), as the superuser, in the database POSTGRES_DB.
#
# Each subgraph's tables live in a schema named after it (packages/kit/src/stores/database.ts).
# Role rampart_<subgraph> logs in with <SUBGRAPH>_DB_PASSWORD, owns that schema (so its own
# migrations run as it) and nothing else: no superuser, no CREATEDB or CREATEROLE, no CREATE on
# the database (it cannot make new schemas), no CREATE in `public`, no access to the other
# subgraphs' schemas. PUBLIC loses CONNECT and TEMP on the database: only these roles and the
# superuser get in.
#
# To change a password later: ALTER ROLE rampart_<subgraph> PASSWORD '...' as the superuser.
set -eu

missing=""
for variable in SECURITY_DB_PASSWORD COMMERCE_DB_PASSWORD NOTIFICATIONS_DB_PASSWORD FULFILLMENT_DB_PASSWORD; do
  eval "value=\${$variable:-}"
  # shellcheck disable=SC2154 # set by the eval above
  if [ "${#value}" -lt 16 ]; then missing="$missing $variable"; fi
done
if [ -n "$missing" ]; then
  echo "postgres init: refusing to create the subgraph roles: set$missing in .env to at least 16 characters (npm run rampart -- secrets)" >&2
  exit 1
fi

psql -v ON_ERROR_STOP=1 --no-psqlrc \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-rampart}" \
  -v security_password="$SECURITY_DB_PASSWORD" \
  -v commerce_password="$COMMERCE_DB_PASSWORD" \
  -v notifications_password="$NOTIFICATIONS_DB_PASSWORD" \
  -v fulfillment_password="$FULFILLMENT_DB_PASSWORD" <<'SQL'
\set QUIET on
select current_database() as database \gset
revoke all on database :"database" from public;
revoke all on schema public from public;

create role rampart_security login password :'security_password'
  nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls;
create role rampart_commerce login password :'commerce_password'
  nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls;
create role rampart_notifications login password :'notifications_password'
  nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls;
create role rampart_fulfillment login password :'fulfillment_password'
  nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls;

grant connect on database :"database"
  to rampart_security, rampart_commerce, rampart_notifications, rampart_fulfillment;

create schema security authorization rampart_security;
create schema commerce authorization rampart_commerce;
create schema notifications authorization rampart_notifications;
create schema fulfillment authorization rampart_fulfillment;

alter role rampart_security set search_path = security;
alter role rampart_commerce set search_path = commerce;
alter role rampart_notifications set search_path = notifications;
alter role rampart_fulfillment set search_path = fulfillment;
SQL

echo "postgres init: roles rampart_security, rampart_commerce, rampart_notifications, rampart_fulfillment own their schemas"
