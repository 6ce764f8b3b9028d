#!/usr/bin/env bash
# Install or upgrade Smollama on a Raspberry Pi OS (Debian) machine as a systemd service.
#
#   sudo deploy/install-pi.sh
#
# Run it from a checkout of the repository. It is idempotent: running it again upgrades the code
# in /opt/smollama and restarts the service, and keeps the existing config and data.
#   app     /opt/smollama            (root-owned; the service cannot modify its own code)
#   config  /etc/smollama/smollama.yaml (written once by `smollama init`, never overwritten)
#   data    /var/lib/smollama        (journal, identity; owned by user smollama)
# Node.js comes from apt. This script adds no repositories itself; on Raspberry Pi OS 12 'bookworm'
# (Node.js 18) the one supported way to Node.js 20 is NodeSource's apt repository (README), added
# by the user before running this script, which then finds node 20 from apt.
set -euo pipefail

APP_DIR=/opt/smollama
CONF_DIR=/etc/smollama
CONF_FILE=$CONF_DIR/smollama.yaml
DATA_DIR=/var/lib/smollama
SERVICE_USER=smollama
UNIT_NAME=smollama.service
NODE_MIN_MAJOR=20

SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

export DEBIAN_FRONTEND=noninteractive

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'install-pi: %s\n' "$*" >&2; exit 1; }

[[ $EUID -eq 0 ]] || die "run as root: sudo $0"
[[ -f $SRC_DIR/package.json && -f $SRC_DIR/deploy/smollama.service ]] || die "run this script from a Smollama checkout ($SRC_DIR is not one)"
command -v apt-get >/dev/null || die "this installer needs a Debian-based system with apt-get (Raspberry Pi OS)"

apt_updated=0
apt_install() {
  if [[ $apt_updated == 0 ]]; then apt-get update -qq; apt_updated=1; fi
  echo "apt-get install $*"
  apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "$@" >/dev/null
}

# Prints the major version of a Debian version string like "20.19.2+dfsg-1" or "18.19.0+dfsg-6~deb12u2".
major_of() { sed -E 's/^[0-9]+://; s/^([0-9]+).*/\1/' <<<"$1"; }

step "Node.js >= $NODE_MIN_MAJOR"
if command -v node >/dev/null; then
  have=$(node -p 'process.versions.node')
  [[ $(major_of "$have") -ge $NODE_MIN_MAJOR ]] || die "Node.js $have is installed but Smollama needs $NODE_MIN_MAJOR or newer. On bookworm: curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs, then run this again."
  echo "found node $have at $(command -v node)"
else
  apt-get update -qq; apt_updated=1
  candidate=$(apt-cache policy nodejs | awk '/Candidate:/ {print $2}')
  if [[ -z $candidate || $candidate == "(none)" ]]; then
    die "no nodejs package is available from apt. Smollama needs Node.js $NODE_MIN_MAJOR or newer; install it and run this again."
  fi
  if [[ $(major_of "$candidate") -lt $NODE_MIN_MAJOR ]]; then
    die "this distribution's nodejs is $candidate, but Smollama needs Node.js $NODE_MIN_MAJOR or newer. Raspberry Pi OS 12 'bookworm' ships 18.x: add NodeSource's repository (curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash -) and run this again."
  fi
  apt_install nodejs
  echo "installed node $(node -p 'process.versions.node')"
fi
[[ -x /usr/bin/node ]] || die "the service runs /usr/bin/node, but node is at $(command -v node). Link it (ln -s \"$(command -v node)\" /usr/bin/node) or edit ExecStart in $SRC_DIR/deploy/smollama.service."
command -v npm >/dev/null || apt_install npm

step "build tools for native modules (LevelDB, HNSW, GPIO, I2C) and the gpiod tools (GPIO on every Pi, the Pi 5 included)"
missing=()
for pkg in python3 make g++ rsync gpiod; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then apt_install "${missing[@]}"; else echo "already installed"; fi

step "user $SERVICE_USER (groups: $SERVICE_USER, gpio, i2c)"
# The unit's SupplementaryGroups=gpio i2c fails to start if a group does not exist (non-Pi hardware).
getent group gpio >/dev/null || groupadd --system gpio
getent group i2c >/dev/null || groupadd --system i2c
if ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
  useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
fi
usermod -a -G gpio,i2c "$SERVICE_USER"
id "$SERVICE_USER"

step "copy $SRC_DIR to $APP_DIR"
install -d -o root -g root -m 0755 "$APP_DIR"
if [[ "$(realpath "$SRC_DIR")" != "$(realpath "$APP_DIR")" ]]; then
  # --delete so that files removed upstream do not linger and get compiled into dist/.
  rsync -a --delete \
    --exclude=.git/ --exclude=node_modules/ --exclude=dist/ --exclude=ui/dist/ \
    --exclude=.tap/ --exclude=coverage/ --exclude=/data/ \
    "$SRC_DIR"/ "$APP_DIR"/
  chown -R root:root "$APP_DIR"
else
  echo "already running from $APP_DIR"
fi

step "npm ci, build, prune dev dependencies"
cd "$APP_DIR"
npm ci --no-audit --no-fund
npm run build
npm prune --omit=dev --no-audit --no-fund
[[ -f $APP_DIR/dist/adapters/cli/main.js ]] || die "build did not produce $APP_DIR/dist/adapters/cli/main.js"

step "data directory $DATA_DIR"
install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0750 "$DATA_DIR"

step "config $CONF_FILE"
install -d -o root -g "$SERVICE_USER" -m 0750 "$CONF_DIR"
if [[ -e $CONF_FILE ]]; then
  echo "keeping the existing $CONF_FILE"
else
  node "$APP_DIR/dist/adapters/cli/main.js" init --out "$CONF_FILE"
  echo "wrote $CONF_FILE; edit it (node name, role, peers, sensors) and run: systemctl restart smollama"
fi
chown root:"$SERVICE_USER" "$CONF_FILE"
chmod 0640 "$CONF_FILE"

step "systemd unit $UNIT_NAME"
install -m 0644 "$APP_DIR/deploy/smollama.service" "/etc/systemd/system/$UNIT_NAME"
if [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
  systemctl enable "$UNIT_NAME"
  # restart, not start: a re-run after an upgrade must load the new code.
  systemctl restart "$UNIT_NAME"
  systemctl --no-pager --lines=0 status "$UNIT_NAME" || true
  echo
  echo "Smollama is running. Logs: journalctl -u smollama -f   Dashboard: http://$(hostname).local:8080/"
else
  echo "systemd is not running here: unit installed but not enabled. On the Pi: systemctl enable --now smollama"
fi
