#!/usr/bin/env bash
# Fuzz the JSON API against its own OpenAPI schema with schemathesis, by hand (not part of
# `make test`): 5xx answers, undocumented status codes or content types, and bodies that do not
# match the schema all fail the run.
#
#   .venv/bin/pip install --require-hashes -r requirements/fuzz.txt  # schemathesis, locked
#   scripts/fuzz_api.sh                                              # anonymous, customer, merchant, staff
#   ROLES="anon alice" EXAMPLES=50 scripts/fuzz_api.sh
#
# It builds a throw-away SQLite database with demo data, starts runserver on 127.0.0.1 only,
# and stops it at the end. Every run is bounded (examples per operation, request timeout, and a
# wall-clock limit per role). Reports land in $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-8055}
EXAMPLES=${EXAMPLES:-30}
ROLES=${ROLES:-"anon alice merchant admin"}
SEED=${SEED:-1}
LIMIT_SECONDS=${LIMIT_SECONDS:-600}
OUT=${OUT:-$(mktemp -d /tmp/fuzz-api.XXXXXX)}
PY=.venv/bin/python
BASE=http://127.0.0.1:$PORT

export SQLITE_PATH=$OUT/fuzz.sqlite3
export THROTTLE_RATES=login=100000/min,register=100000/min,anon=100000/min,user=100000/min,wechat_login=100000/min
export LOGIN_FAILURE_LIMIT=100000
unset DATABASE_URL REDIS_URL CELERY_BROKER_URL

$PY manage.py migrate -v0
$PY manage.py seed_demo --products 60 >/dev/null

$PY manage.py runserver "127.0.0.1:$PORT" --noreload >"$OUT/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 30); do curl -sf -o "$OUT/schema.yml" "$BASE/api/schema/" && break; sleep 1; done

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
COMMON=(--phases examples,coverage,fuzzing --max-examples "$EXAMPLES" --seed "$SEED" --workers 2
  --request-timeout 10 --max-response-time 5)
WECHAT=/api/v1/auth/wechat/

password() { case $1 in admin) echo admin12345 ;; *) echo "${1}12345" ;; esac; }

status=0
for role in $ROLES; do
  auth=()
  if [ "$role" != anon ]; then
    token=$(curl -sf -X POST -H 'Content-Type: application/json' \
      -d "{\"username\": \"$role\", \"password\": \"$(password "$role")\"}" \
      "$BASE/api/v1/auth/token/" | $PY -c 'import json, sys; print(json.load(sys.stdin)["access"])')
    auth=(-H "Authorization: Bearer $token")
  fi
  echo "== $role"
  # Nothing is excluded: logout and password change need the refresh token or the old password,
  # which the fuzzer never has, so the access token survives the run.
  timeout "$LIMIT_SECONDS" .venv/bin/schemathesis run "$OUT/schema.yml" --url "$BASE" "${auth[@]}" \
    --checks "$CHECKS" --exclude-path "$WECHAT" "${COMMON[@]}" \
    --report ndjson --report-dir "$OUT/$role" >"$OUT/$role.txt" 2>&1 || status=1
  tail -n 20 "$OUT/$role.txt"
done

# WeChat login answers a documented 503 wechat_not_configured here (no app id on a dev machine,
# and the fuzzer must not reach WeChat anyway): everything but "no 5xx" is still checked.
echo "== wechat"
timeout "$LIMIT_SECONDS" .venv/bin/schemathesis run "$OUT/schema.yml" --url "$BASE" \
  --checks "${CHECKS#not_a_server_error,}" --include-path "$WECHAT" "${COMMON[@]}" \
  >"$OUT/wechat.txt" 2>&1 || status=1
tail -n 8 "$OUT/wechat.txt"
echo "Reports and server log: $OUT"
exit $status
