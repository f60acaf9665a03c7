#!/usr/bin/env bash
# Writes the compose deployment's secrets once into infra/compose/secrets/ (git-ignored).
# The folder is 0700, so no other user of the host reads them; the files are 0644 because
# docker compose (without swarm) bind-mounts a secret file with its host owner and mode,
# and the containers' own users (postgres, airflow) must read it. An existing file is kept:
# delete one and run this again to rotate it (then restart the services that use it).
set -euo pipefail
cd "$(dirname "$0")"
umask 022
mkdir -p secrets
chmod 700 secrets

random() { python3 -c 'import secrets; print(secrets.token_urlsafe(32))'; }
put() {  # put NAME CONTENT: write secrets/NAME unless it exists
  local path="secrets/$1"
  [[ -e $path ]] && return 0
  printf '%s\n' "$2" >"$path.tmp" && chmod 644 "$path.tmp" && mv "$path.tmp" "$path"
  echo "wrote $path"
}

put s3-root.env "ROOT_ACCESS_KEY=assay-root
ROOT_SECRET_KEY=$(random)"
put postgres_password "$(random)"
put airflow_fernet_key "$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
put airflow_jwt_secret "$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')"
put airflow_api_secret_key "$(random)"
mkdir -p secrets/airflow-auth
put airflow-auth/passwords.json "{\"admin\": \"$(random)\"}"
if [[ ! -e secrets/pipeline.env ]]; then
  cat >&2 <<'EOF'
next: start the S3 server, make the role users, and hand the pipeline's keys to Airflow:
  docker compose -f infra/compose/docker-compose.yml up -d s3
  set -a; . infra/compose/secrets/s3-root.env; set +a
  export ASSAY_S3_ENDPOINT=http://127.0.0.1:7070 ASSAY_STATE_DIR=infra/compose/state
  mkdir -p "$ASSAY_STATE_DIR/access" && printf 'access_key = "%s"\nsecret_key = "%s"\n' \
    "$ROOT_ACCESS_KEY" "$ROOT_SECRET_KEY" > "$ASSAY_STATE_DIR/access/root.toml"
  assay access apply
  assay access show pipeline --reveal | grep -v ENDPOINT > infra/compose/secrets/pipeline.env
EOF
fi
