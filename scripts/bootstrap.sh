#!/usr/bin/env bash
# Checks the machine for the tools the project builds with and installs the missing Debian packages.
# Rust must come from rustup (Debian's rustc is too old for PyO3); the script reports it if cargo is missing.
set -euo pipefail

missing=()
command -v python3 >/dev/null || missing+=(python3 python3-venv)
python3 -c "import venv, ensurepip" 2>/dev/null || missing+=(python3-venv)
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v curl >/dev/null || missing+=(curl)
command -v unzip >/dev/null || missing+=(unzip)

if ((${#missing[@]})); then
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "bootstrap.sh: missing Debian packages: ${missing[*]}; install them with apt-get as root" >&2
    exit 1
  fi
  echo "bootstrap.sh: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "bootstrap.sh: cargo not found; install Rust 1.80 or newer with rustup (https://rustup.rs)" >&2
  exit 1
fi
