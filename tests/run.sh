#!/usr/bin/env bash
# Install everything the suite needs and run it on SQLite, then on PostgreSQL.
# The browser suite (tests/browser, Chromium) runs once, in the PostgreSQL pass: it tests what a person sees,
# and PostgreSQL is what production serves it from.
# Usage: bash tests/run.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "please install: $*" >&2; exit 1
  fi
}
command -v pdftotext >/dev/null || apt_install poppler-utils
[ -e /usr/lib/x86_64-linux-gnu/libmagic.so.1 ] || ldconfig -p | grep -q libmagic.so.1 || apt_install libmagic1
# The browser suite drives Debian's Chromium: Playwright's own browser builds cannot be downloaded here.
[ -x /usr/bin/chromium ] || apt_install chromium
# The reverse-proxy tests put Debian's nginx in front of gunicorn, as a platform's router is.
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx

# The W3C Nu Html Checker (vnu.jar, pinned; Java 17) validates every page and email the live crawl sees.
VNU_VERSION=26.9.27
VNU_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/portal-tests/vnu-jar-$VNU_VERSION"
command -v java >/dev/null || apt_install openjdk-17-jre-headless
if [ ! -f "$VNU_DIR/package/build/dist/vnu.jar" ]; then
  command -v npm >/dev/null || apt_install npm
  mkdir -p "$VNU_DIR"
  (cd "$VNU_DIR" && npm pack -q "vnu-jar@$VNU_VERSION" >/dev/null && tar xzf "vnu-jar-$VNU_VERSION.tgz")
fi
export VNU_JAR="$VNU_DIR/package/build/dist/vnu.jar"

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev]"

# The local PostgreSQL server (trust auth on 127.0.0.1); start it if it is stopped.
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi

# Redis: the email tests use the local server (with a queue name of their own) and start private ones.
command -v redis-server >/dev/null || apt_install redis-server
if ! .venv/bin/python -c "import redis; redis.Redis(host='127.0.0.1', port=6379, socket_connect_timeout=1).ping()" 2>/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 30); do
    .venv/bin/python -c "import redis; redis.Redis(host='127.0.0.1', port=6379).ping()" 2>/dev/null && break; sleep 0.2
  done
fi

status=0
echo "== lint =="
.venv/bin/ruff check . && .venv/bin/ruff format --check -q portal tests || status=$?
echo "== test suite on SQLite =="
PORTAL_TEST_DATABASE=sqlite .venv/bin/python -m pytest -q --ignore=tests/browser "$@" || status=$?
echo "== test suite on PostgreSQL, with the browser suite =="
PORTAL_TEST_DATABASE=postgresql .venv/bin/python -m pytest -q "$@" || status=$?
exit $status
