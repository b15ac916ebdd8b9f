# shellcheck shell=bash
# Shared helpers for scripts/test.sh and scripts/demo.sh. Source it, do not run it.
#
# Everything the project needs is installed from the repository's own files:
#   .venv            <- requirements-test.txt (which includes requirements.txt), re-installed
#                       only when a requirements file or the Python version changes (hash stamp)
#   build/collections/ansible_collections/patguard/github
#                    -> symlink to the repository (what pytest, ansible and molecule load)
#   build/ansible_collections/patguard/github
#                    a real copy of the working tree (what ansible-test needs)

# shellcheck disable=SC2034  # these names are used by the scripts that source this file
PG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_VENV="$PG_ROOT/.venv"
PG_VENVS="$PG_ROOT/.venvs"
PG_BUILD="$PG_ROOT/build"
PG_COLLECTIONS="$PG_BUILD/collections"
PG_COLLECTION_LINK="$PG_COLLECTIONS/ansible_collections/patguard/github"
PG_ANSIBLE_TEST_TREE="$PG_BUILD/ansible_collections/patguard/github"
PG_STAMP_NAME=".patguard-requirements.sha256"

export PIP_NO_INPUT=1
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PYTHONDONTWRITEBYTECODE=1

pg_log() { printf '[patguard] %s\n' "$*"; }
pg_warn() { printf '[patguard] WARNING: %s\n' "$*" >&2; }
pg_die() {
    printf '[patguard] ERROR: %s\n' "$*" >&2
    exit 1
}
pg_banner() {
    printf '\n'
    printf '=%.0s' {1..78}
    printf '\n== %s\n' "$*"
    printf '=%.0s' {1..78}
    printf '\n'
}

# Run a command as root: directly when we are root, through non-interactive sudo otherwise.
pg_as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 1
    fi
}

# pg_python_ok PYTHON MAJOR.MINOR -> success when PYTHON runs and is exactly that version.
# (A pyenv shim may exist on PATH and still fail to run, so the candidate is executed.)
pg_python_ok() {
    local py="$1" want="$2"
    [ -n "$py" ] || return 1
    "$py" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$want' else 1)" >/dev/null 2>&1
}

# pg_find_python MAJOR.MINOR -> prints the path of a working interpreter of that version.
pg_find_python() {
    local want="$1" c
    local -a candidates=()
    c="$(command -v "python$want" 2>/dev/null || true)"
    [ -n "$c" ] && candidates+=("$c")
    c="$(command -v python3 2>/dev/null || true)"
    [ -n "$c" ] && candidates+=("$c")
    for c in "/usr/bin/python$want" "/usr/local/bin/python$want" \
        "$HOME"/.pyenv/versions/"$want"*/bin/"python$want" \
        /root/.pyenv/versions/"$want"*/bin/"python$want"; do
        [ -x "$c" ] && candidates+=("$c")
    done
    for c in "${candidates[@]}"; do
        if pg_python_ok "$c" "$want"; then
            # Resolve to the real interpreter (not a pyenv shim, not a venv's python), so
            # the venvs made from it depend on neither.
            "$c" -c 'import os, sys; print(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))'
            return 0
        fi
    done
    return 1
}

# Make sure PYTHON can create a virtual environment with pip (Debian ships that part
# separately as python3-venv / python3.X-venv); installs it with apt-get when missing.
pg_ensure_venv_support() {
    local py="$1" ver probe
    probe="$(mktemp -d)"
    if "$py" -m venv "$probe/v" >/dev/null 2>&1 && [ -x "$probe/v/bin/pip" ]; then
        rm -rf "$probe"
        return 0
    fi
    rm -rf "$probe"
    ver="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    pg_log "$py cannot create a virtual environment with pip: installing python3-venv with apt-get"
    if ! command -v apt-get >/dev/null 2>&1; then
        pg_die "no apt-get here: install the venv module for $py (Debian: python3-venv) and retry"
    fi
    export DEBIAN_FRONTEND=noninteractive
    pg_as_root apt-get update -q ||
        pg_die "apt-get update failed (need root or passwordless sudo to install python3-venv)"
    pg_as_root apt-get install -y -q python3-venv || pg_as_root apt-get install -y -q "python$ver-venv" ||
        pg_die "could not install python3-venv / python$ver-venv"
    probe="$(mktemp -d)"
    if ! { "$py" -m venv "$probe/v" >/dev/null 2>&1 && [ -x "$probe/v/bin/pip" ]; }; then
        pg_as_root apt-get install -y -q "python$ver-venv" || true
        rm -rf "$probe/v"
        "$py" -m venv "$probe/v" >/dev/null 2>&1 && [ -x "$probe/v/bin/pip" ] ||
            { rm -rf "$probe"; pg_die "$py still cannot create a venv after installing python3-venv"; }
    fi
    rm -rf "$probe"
}

# Print the content of a requirements file and of every file it includes with -r/-c.
_pg_req_content() {
    local file="$1" dir inc
    local -a includes=()
    [ -f "$file" ] || pg_die "requirements file not found: $file"
    printf '### %s\n' "$(basename "$file")"
    cat "$file"
    dir="$(dirname "$file")"
    mapfile -t includes < <(sed -n -E 's/^(-r|-c|--requirement|--constraint)[[:space:]]+//p' "$file")
    for inc in "${includes[@]}"; do
        _pg_req_content "$dir/$inc"
    done
}

# pg_venv_ensure DIR PYTHON [pip install arguments...]
# Creates DIR with PYTHON and pip-installs the arguments, unless the stamp in DIR says that
# exactly this (interpreter version + arguments + content of every -r file) is installed.
pg_venv_ensure() {
    local dir="$1" py="$2"
    shift 2
    local stamp want prev="" arg
    want="$(
        {
            "$py" -c 'import sys; print(sys.version)'
            printf '%s\n' "$@"
            for arg in "$@"; do
                if [ "$prev" = "-r" ]; then _pg_req_content "$arg"; fi
                prev="$arg"
            done
        } | sha256sum | cut -d' ' -f1
    )"
    stamp="$dir/$PG_STAMP_NAME"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$dir/bin/python" -c 'pass' 2>/dev/null; then
        pg_log "$(basename "$dir"): up to date (requirements unchanged)"
        return 0
    fi
    if [ -x "$dir/bin/python" ] && "$dir/bin/python" -m pip --version >/dev/null 2>&1 &&
        [ "$("$dir/bin/python" -c 'import sys; print(sys.version)')" = "$("$py" -c 'import sys; print(sys.version)')" ]; then
        pg_log "$(basename "$dir"): requirements changed, updating in place"
    else
        pg_log "$(basename "$dir"): creating with $py ($("$py" -V 2>&1))"
        pg_ensure_venv_support "$py"
        rm -rf "$dir"
        "$py" -m venv "$dir" || pg_die "could not create $dir"
        "$dir/bin/python" -m pip install -q --upgrade 'pip>=24' 2> >(grep -v "^WARNING: Location 'file://.*' is ignored" >&2) ||
            pg_die "could not upgrade pip in $dir"
    fi
    rm -f "$stamp"
    # (The filter drops pip's notes about package-index folders configured on some machines
    # but absent; everything else pip says on stderr is kept.)
    (cd "$PG_ROOT" && "$dir/bin/python" -m pip install -q "$@" 2> >(grep -v "^WARNING: Location 'file://.*' is ignored" >&2)) ||
        pg_die "pip install failed in $dir"
    printf '%s\n' "$want" >"$stamp"
}

# The project's main virtual environment (.venv, Python 3.11).
pg_setup_main_venv() {
    local py
    py="$(pg_find_python 3.11)" || pg_die "Python 3.11 not found (looked for python3.11, python3, /usr/bin/python3.11, pyenv). Install it, e.g. apt-get install python3 python3-venv on Debian 12."
    pg_venv_ensure "$PG_VENV" "$py" -r "$PG_ROOT/requirements-test.txt"
    export PATH="$PG_VENV/bin:$PATH"
    export VIRTUAL_ENV="$PG_VENV"
}

# build/collections/ansible_collections/patguard/github -> repository root (relative link,
# so the checkout can move). Used by pytest (tests/conftest.py makes the same link), ansible,
# molecule and ansible-lint through ANSIBLE_COLLECTIONS_PATH.
pg_link_collection() {
    local want="../../../.."
    mkdir -p "$(dirname "$PG_COLLECTION_LINK")"
    if [ -L "$PG_COLLECTION_LINK" ] && [ "$(cd "$PG_COLLECTION_LINK" 2>/dev/null && pwd -P)" = "$(cd "$PG_ROOT" && pwd -P)" ]; then
        return 0
    fi
    rm -rf "$PG_COLLECTION_LINK"
    ln -s "$want" "$PG_COLLECTION_LINK"
    [ -f "$PG_COLLECTION_LINK/galaxy.yml" ] || pg_die "collection link $PG_COLLECTION_LINK does not resolve to the repository"
}

# A real copy of the working tree at build/ansible_collections/patguard/github for
# ansible-test (which needs the ansible_collections/<namespace>/<name> layout and does not
# follow a symlinked root). Untracked files are included on purpose: it tests what is there.
pg_build_ansible_test_tree() {
    rm -rf "$PG_BUILD/ansible_collections"
    mkdir -p "$PG_ANSIBLE_TEST_TREE"
    tar -C "$PG_ROOT" \
        --exclude=./.venv --exclude=./.venvs --exclude=./build --exclude=./.git \
        --exclude=./tests/output --exclude=./.cache \
        --exclude=.pytest_cache --exclude=.hypothesis --exclude=__pycache__ \
        --exclude='*.pyc' --exclude='./*.tar.gz' \
        -cf - . | tar -C "$PG_ANSIBLE_TEST_TREE" -xf - ||
        pg_die "could not copy the working tree to $PG_ANSIBLE_TEST_TREE"
    # ansible-test lists content with `git ls-files` of the nearest enclosing repository; the
    # enclosing one here is the project's, where build/ is ignored, so it would see no files.
    # An empty repository at the copy's root makes it list the copy's files (tracked or not,
    # minus .gitignore).
    command -v git >/dev/null 2>&1 || pg_die "git is needed to run ansible-test on the copy"
    git -C "$PG_ANSIBLE_TEST_TREE" init -q ||
        pg_die "git init failed in $PG_ANSIBLE_TEST_TREE"
}

# Common environment for anything that runs Ansible from the repository.
pg_ansible_env() {
    mkdir -p "$PG_BUILD/tmp/remote" "$PG_BUILD/tmp/local"
    export ANSIBLE_COLLECTIONS_PATH="$PG_COLLECTIONS"
    export ANSIBLE_REMOTE_TEMP="$PG_BUILD/tmp/remote"
    export ANSIBLE_LOCAL_TEMP="$PG_BUILD/tmp/local"
    if [ -n "${CI:-}" ]; then export ANSIBLE_NOCOLOR=1 NO_COLOR=1; fi
}
