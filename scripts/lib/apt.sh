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
  # Another apt-get (unattended-upgrades on a fresh machine, a second set-up script) may hold dpkg's
  # lock for minutes: wait for it instead of failing the whole set-up at once.
  local wait=(-o DPkg::Lock::Timeout=600)
  "${as_root[@]}" apt-get "${wait[@]}" update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" install -y -qq --no-install-recommends "$@" >/dev/null
}
