#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 (user postgres, trust auth):
# starts the local cluster when it is down, and installs PostgreSQL from Debian's packages
# when it is missing. Used by `make test`, `make demo` and .ci/run.
set -euo pipefail

ready() { pg_isready -h 127.0.0.1 -p 5432 -U postgres -q 2>/dev/null; }

if command -v pg_isready >/dev/null && ready; then
  exit 0
fi

if ! command -v pg_ctlcluster >/dev/null; then
  echo "PostgreSQL is not installed; installing it from Debian's packages" >&2
  if [ "$(id -u)" != 0 ]; then
    echo "need root to install PostgreSQL (or start your own at 127.0.0.1:5432 and set DATABASE_URL)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q postgresql >/dev/null
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
conf=/etc/postgresql/$version/main
# Local trust authentication for the postgres user over TCP, as the project expects.
if ! grep -q "^host all postgres 127.0.0.1/32 trust" "$conf/pg_hba.conf"; then
  sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$conf/pg_hba.conf"
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || \
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || true

for _ in $(seq 1 60); do
  ready && exit 0
  sleep 0.5
done
echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2
exit 1
