#!/bin/sh
# Refresh requirements/app.lock and requirements/dev.lock from pyproject.toml: run it after adding or
# changing a dependency there, and commit pyproject.toml with both lock files.
#
#   sh requirements/refresh.sh                                  # keep every pin that still fits
#   sh requirements/refresh.sh --upgrade-package cryptography   # move one package to its newest version
#   sh requirements/refresh.sh --upgrade                        # move everything
#
# The locks are made by uv (a pinned version, in a throw-away venv) as universal requirement files with
# hashes: one file serves every Python >= 3.11 and platform, and plain pip installs it
# (`pip install --require-hashes -r requirements/app.lock`); uv is needed only here.
set -eu
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT INT TERM
python3 -m venv "$tools"
"$tools/bin/pip" install -q "uv==$UV_VERSION"
lock() {
    "$tools/bin/uv" pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes \
        --custom-compile-command "sh requirements/refresh.sh" "$@"
}
# The development lock first (a superset); the application lock is held to the same versions.
lock --extra dev --output-file requirements/dev.lock "$@"
lock --constraint requirements/dev.lock --output-file requirements/app.lock "$@"
echo "requirements/app.lock and requirements/dev.lock refreshed; commit them with pyproject.toml"
