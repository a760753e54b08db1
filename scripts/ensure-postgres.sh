#!/usr/bin/env bash
# Make sure the PostgreSQL server the tests use is up at 127.0.0.1:5432 with a `test`
# database reachable by `postgres` without a password (the machine's default). The
# PostgreSQL variants of the tests never skip: if this fails, the test run fails.
set -euo pipefail
HOST=127.0.0.1 PORT=5432
if pg_isready -q -h $HOST -p $PORT; then exit 0; fi
echo "postgres: not answering on $HOST:$PORT, starting it"
cluster_version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)"
if [ -z "$cluster_version" ]; then
  echo "postgres: no cluster found (is the postgresql package installed? make setup does)" >&2
  exit 1
fi
pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main start || true
for _ in $(seq 1 30); do pg_isready -q -h $HOST -p $PORT && break; sleep 1; done
pg_isready -h $HOST -p $PORT
# A fresh cluster: allow local trust auth for the test user and create the test database.
if ! psql -h $HOST -U postgres -d postgres -c 'select 1' >/dev/null 2>&1; then
  hba="/etc/postgresql/$cluster_version/main/pg_hba.conf"
  sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main reload
fi
psql -h $HOST -U postgres -d postgres -tc "select 1 from pg_database where datname='test'" | grep -q 1 \
  || psql -h $HOST -U postgres -d postgres -c 'create database test'
