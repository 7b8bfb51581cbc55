# Shared by scripts/*: prerequisites and paths. Source it; do not run it.
# shellcheck shell=bash

BERTH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Debian packages Berth runs with: OCI runtime, container monitor, infra process, test images.
BERTH_PACKAGES=(runc conmon catatonit busybox iproute2 util-linux containernetworking-plugins iptables docker-registry skopeo umoci apache2-utils openssl)

log() { printf '==> %s\n' "$*" >&2; }

# Installs whichever of the given Debian packages are missing; quiet and idempotent.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${missing[*]} (run with sudo to install them)" >&2
    return 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_dotnet() {
  command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (dotnet not on PATH)" >&2; return 1; }
}
