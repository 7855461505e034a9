#!/bin/sh
# Installs the peers' Python packages from Debian (as root) when the system python lacks them.
set -eu
if /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
    echo "python3-torch and python3-numpy are installed"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "install.sh: run as root (apt-get install -y python3-torch python3-numpy)" >&2
    exit 1
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y python3-torch python3-numpy
