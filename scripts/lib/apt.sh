# Sourced by the set-up scripts: installs Debian packages as root, through sudo when not root (as
# kgplatform.services.processes.ensure_debian_package does for Java and Redis).
apt_install() {
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "needed: $* (apt-get install -y $*, as root: there is no sudo here)" >&2
      exit 2
    fi
    as_root=(sudo)
  fi
  echo "installing $* (Debian)" >&2
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
