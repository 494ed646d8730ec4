#!/usr/bin/env bash
# Takes a fresh clone to installed dependencies: pnpm, rclone, the Ceph packages for the real S3
# test server, Chromium for the console's browser tests (when root with apt-get), and the
# workspace's node modules from the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=10.34.9
log() { printf '[bootstrap] %s\n' "$*"; }

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  log "installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi

need_apt=()
command -v rclone >/dev/null 2>&1 || need_apt+=(rclone)
if [ "${FELDERA_SYNC_SKIP_CEPH:-}" != "1" ]; then
  for bin in ceph-mon ceph-osd radosgw radosgw-admin jq curl uuidgen; do
    command -v "$bin" >/dev/null 2>&1 || need_apt+=("$bin")
  done
fi
# Debian's Chromium, which playwright-core drives headless in the console tests (no browser download).
if [ "${FELDERA_SYNC_SKIP_CHROMIUM:-}" != "1" ] && [ ! -x /usr/bin/chromium ]; then
  need_apt+=(chromium)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  pkgs=()
  for b in "${need_apt[@]}"; do
    case $b in
      ceph-mon) pkgs+=(ceph-mon) ;; ceph-osd) pkgs+=(ceph-osd) ;;
      radosgw|radosgw-admin) pkgs+=(radosgw ceph-common) ;;
      uuidgen) pkgs+=(uuid-runtime) ;; *) pkgs+=("$b") ;;
    esac
  done
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing from Debian: ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}" procps >/dev/null
  else
    log "missing ${pkgs[*]}: install them (Debian: apt-get install ${pkgs[*]}) and run again" >&2
    exit 1
  fi
fi

log "pnpm install --frozen-lockfile"
pnpm install --frozen-lockfile --reporter=silent
log "ready (rclone $(rclone version 2>/dev/null | head -1 | awk '{print $2}'), pnpm $(pnpm --version))"
