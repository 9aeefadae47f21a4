#!/usr/bin/env bash
# The PostgreSQL server for dtr-gateway's tests, on 127.0.0.1:5432.
#
#   scripts/postgres.sh [start]   install if missing, start if stopped, and
#                                 make sure the test role exists
#
# Only the export line goes to standard output (eval it); progress goes to
# standard error. A server already answering on 127.0.0.1:5432 is used as it
# is. Otherwise Debian's cluster is started with pg_ctlcluster (no systemd
# here), and `apt-get install postgresql` runs first when none is installed.
#
# The tests connect as role dtr_test (password dtr_test, allowed to create
# databases), which is created through the local socket as the postgres
# system user when it is missing; each test makes its own database. Set
# DTR_TEST_POSTGRES to another admin URL to use another server.
# Must run as root.
set -euo pipefail

HOST=127.0.0.1
PORT=5432
ROLE=dtr_test
URL="postgres://$ROLE:$ROLE@$HOST:$PORT/postgres"

say() { echo "postgres.sh: $*" >&2; }

if [[ -n "${DTR_TEST_POSTGRES:-}" ]]; then
    echo "export DTR_TEST_POSTGRES=$DTR_TEST_POSTGRES"
    exit 0
fi

ready() { pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    if ! ready 2>/dev/null; then
        say "installing postgresql"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
    fi
fi

if ! ready; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    say "starting cluster $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
    for _ in $(seq 1 60); do
        ready && break
        sleep 0.5
    done
fi
if ! ready; then
    say "PostgreSQL does not answer on $HOST:$PORT"
    exit 1
fi

# The role, through the socket as the postgres user (peer authentication),
# or over TCP where the server trusts loopback (never a password prompt).
create_role="DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$ROLE';
  END IF;
END \$\$;"
if ! runuser -u postgres -- psql -q -X -w -v ON_ERROR_STOP=1 -c "$create_role" >/dev/null; then
    say "could not create role $ROLE as the postgres user; trying over TCP"
    psql -q -X -w -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U postgres -d postgres \
        -c "$create_role" >/dev/null
fi
echo "export DTR_TEST_POSTGRES=$URL"
