#!/usr/bin/env bash
# Installs Mesa's lavapipe (software Vulkan) from bookworm-backports so that Dawn (the `webgpu` npm
# package) finds a WebGPU adapter on CPU-only Debian 12 CI machines. Bookworm's own Mesa 22.x is too
# old for Dawn, hence backports. Idempotent and non-interactive; must run as root.
#
# Usage: sudo .ci/install-lavapipe.sh        (FORCE=1 reinstalls even when already present)
set -euo pipefail

log() { printf '[install-lavapipe] %s\n' "$*"; }

# The lavapipe ICD manifest is what the Vulkan loader looks for; if it and the loader exist and the
# Mesa build comes from backports, there is nothing to do.
lavapipe_ready() {
  # Mesa >= 24 ships lvp_icd.json; older builds used lvp_icd.<arch>.json.
  compgen -G '/usr/share/vulkan/icd.d/lvp_icd*.json' >/dev/null || return 1
  [ -n "$(ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1' || true)" ] || return 1
  case "$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)" in
    *bpo*) return 0 ;;
    *) return 1 ;;
  esac
}

if [ "${FORCE:-0}" != 1 ] && lavapipe_ready; then
  log "lavapipe already installed ($(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)); nothing to do"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (try: sudo $0)" >&2
  exit 1
fi

. /etc/os-release
if [ "${VERSION_CODENAME:-}" != bookworm ]; then
  log "expected Debian bookworm, found '${VERSION_CODENAME:-unknown}'; refusing to mix suites" >&2
  exit 1
fi

# Add backports only if no existing source (one-line or deb822 format) already names it.
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    # The base image uses deb822 files; follow the same format and mirror.
    cat > /etc/apt/sources.list.d/bookworm-backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  else
    echo 'deb http://deb.debian.org/debian bookworm-backports main' \
      > /etc/apt/sources.list.d/bookworm-backports.list
  fi
  log "added bookworm-backports apt source"
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for a concurrent apt/dpkg (unattended upgrades, other setup steps) instead of failing at once.
APT_OPTS=(-o DPkg::Lock::Timeout=600)
log "apt-get update"
apt-get "${APT_OPTS[@]}" update -qq
log "installing mesa-vulkan-drivers + libvulkan1 from bookworm-backports"
apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1

if lavapipe_ready; then
  log "done: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
else
  log "install finished but the lavapipe ICD or libvulkan.so.1 is missing" >&2
  exit 1
fi
