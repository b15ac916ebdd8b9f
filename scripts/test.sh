#!/usr/bin/env bash
# THE test command of patguard.github (CI runs it through .ci/run).
#
#   bash scripts/test.sh              every stage, in order, stopping at the first failure
#   bash scripts/test.sh sanity lint  only the named stages (setup and build always run)
#   PATGUARD_KEEP_GOING=1 bash scripts/test.sh   run every stage even after a failure
#
# Stages: setup, build, ruff, pytest, molecule, sanity, lint, compat-2.17, compat-latest, galaxy.
# Everything is installed from this repository's files; nothing outside it is needed.
# shellcheck disable=SC2329  # the stage_* functions are called through run_stage
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PG_ROOT"

# Oldest and newest ansible-core we claim (meta/runtime.yml: requires_ansible >=2.17.0).
COMPAT_OLDEST_SPEC='ansible-core>=2.17.0,<2.18'
COMPAT_LATEST_SPEC='ansible-core>=2.20,<2.22'
# What the compatibility venvs need besides requirements.txt to run tests/integration.
COMPAT_TEST_DEPS=('pytest>=8,<10' 'pytest-xdist>=3.5,<4' 'werkzeug>=3.0,<4' 'openapi-core>=0.19,<0.24' 'PyYAML>=6' 'hypothesis>=6.100,<7')

ALL_STAGES=(setup build ruff pytest molecule sanity lint compat-2.17 compat-latest galaxy)
declare -a WANTED=()
if [ "$#" -gt 0 ]; then
    WANTED=(setup build "$@")
    for s in "$@"; do
        case " ${ALL_STAGES[*]} " in *" $s "*) ;; *) pg_die "unknown stage '$s' (stages: ${ALL_STAGES[*]})" ;; esac
    done
fi

declare -a SUMMARY_NAMES=() SUMMARY_STATUS=() SUMMARY_SECONDS=() SUMMARY_NOTES=()
STAGE_NOTE=""
FAILED=0
RUN_START=$(date +%s)

print_summary() {
    local i total=$(($(date +%s) - RUN_START))
    printf '\n'
    pg_banner "Summary"
    printf '%-16s %-8s %8s  %s\n' "stage" "result" "seconds" "note"
    printf '%-16s %-8s %8s  %s\n' "-----" "------" "-------" "----"
    for i in "${!SUMMARY_NAMES[@]}"; do
        printf '%-16s %-8s %8s  %s\n' "${SUMMARY_NAMES[$i]}" "${SUMMARY_STATUS[$i]}" "${SUMMARY_SECONDS[$i]}" "${SUMMARY_NOTES[$i]}"
    done
    printf '%-16s %-8s %8s\n' "total" "$([ "$FAILED" = 0 ] && echo PASS || echo FAIL)" "$total"
}

# run_stage NAME FUNCTION: times it, records PASS/FAIL/SKIP, stops at the first failure
# unless PATGUARD_KEEP_GOING=1. A stage passes on exit 0 (SKIP if it called `skip`).
run_stage() {
    local name="$1" fn="$2" start rc
    if [ "${#WANTED[@]}" -gt 0 ]; then
        case " ${WANTED[*]} " in *" $name "*) ;; *) return 0 ;; esac
    fi
    pg_banner "Stage: $name"
    STAGE_NOTE=""
    rm -f "$PG_BUILD/.stage-note" "$PG_BUILD/.stage-skip"
    start=$(date +%s)
    set +e
    (
        set -e
        "$fn"
    )
    rc=$?
    set -e
    SUMMARY_NAMES+=("$name")
    SUMMARY_SECONDS+=("$(($(date +%s) - start))")
    if [ -f "$PG_BUILD/.stage-note" ]; then
        STAGE_NOTE="$(cat "$PG_BUILD/.stage-note")"
        rm -f "$PG_BUILD/.stage-note"
    fi
    SUMMARY_NOTES+=("$STAGE_NOTE")
    if [ "$rc" = 0 ] && [ -f "$PG_BUILD/.stage-skip" ]; then rc=skip; fi
    rm -f "$PG_BUILD/.stage-skip"
    case "$rc" in
    0) SUMMARY_STATUS+=(PASS) ;;
    skip) SUMMARY_STATUS+=(SKIP) ;;
    *)
        SUMMARY_STATUS+=(FAIL)
        FAILED=1
        pg_warn "stage '$name' FAILED (exit $rc)"
        if [ "${PATGUARD_KEEP_GOING:-0}" != 1 ]; then
            print_summary
            exit 1
        fi
        ;;
    esac
}

# Stage functions run in a subshell; they leave a one-line note for the summary here.
note() {
    mkdir -p "$PG_BUILD"
    printf '%s' "$*" >"$PG_BUILD/.stage-note"
}
# Mark the running stage as skipped (it must then return 0), with a note why.
skip() {
    note "$*"
    : >"$PG_BUILD/.stage-skip"
}

# pytest exit codes: 0 ok, 1 failures, 5 no tests collected (an error for us, never a pass).
run_pytest() {
    local py="$1" rc
    shift
    set +e
    "$py" -m pytest "$@"
    rc=$?
    set -e
    if [ "$rc" = 5 ]; then
        pg_warn "pytest collected no tests ($*): treated as a failure"
        note "no tests collected"
        return 1
    fi
    return "$rc"
}

stage_setup() {
    pg_setup_main_venv
    # Debian's chromium + chromium-driver for the report's real-browser tests.
    bash "$PG_ROOT/scripts/setup-browser.sh"
    # ansible-rulebook (tests/integration/test_eda.py) needs a Java 17 runtime.
    if ! command -v java >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        { pg_as_root apt-get update -q && pg_as_root apt-get install -y -q openjdk-17-jre-headless; } ||
            pg_die "could not install openjdk-17-jre-headless (ansible-rulebook needs Java 17)"
    fi
    "$PG_VENV/bin/python" -V
    "$PG_VENV/bin/ansible" --version | sed -n 1p
}

stage_build() {
    pg_link_collection
    pg_log "symlink: ${PG_COLLECTION_LINK#"$PG_ROOT"/} -> $(readlink "$PG_COLLECTION_LINK")"
    pg_build_ansible_test_tree
    pg_log "copy for ansible-test: ${PG_ANSIBLE_TEST_TREE#"$PG_ROOT"/} ($(find "$PG_ANSIBLE_TEST_TREE" -type f | wc -l) files)"
}

stage_ruff() {
    ruff --version
    ruff check .
    ruff format --check .
}

# Plain `pytest` runs the fast suite (unit + fake, pytest.ini's testpaths); this stage adds
# the integration tests, the browser, platform and packaging ones included.
stage_pytest() {
    pg_ansible_env
    local -a xdist=()
    if "$PG_VENV/bin/python" -c 'import xdist' 2>/dev/null; then xdist=(-n 2); fi
    run_pytest "$PG_VENV/bin/python" "${xdist[@]}" tests/unit tests/fake tests/integration
}

stage_molecule() {
    pg_ansible_env
    local scenarios
    scenarios="$(find extensions/molecule -mindepth 2 -maxdepth 2 -name molecule.yml 2>/dev/null | sort || true)"
    if [ -z "$scenarios" ]; then
        pg_log "no molecule scenarios (extensions/molecule/<name>/molecule.yml): nothing to run"
        skip "no scenarios yet"
        return 0
    fi
    pg_log "scenarios: $(echo "$scenarios" | xargs -n1 dirname | xargs -n1 basename | tr '\n' ' ')"
    note "$(echo "$scenarios" | wc -l) scenario(s)"
    molecule test --all
}

stage_sanity() {
    local pip_version cache
    pip_version="$("$PG_VENV/bin/python" - <<'EOF'
import re, types
try:
    from ansible_test._internal.python_requirements import get_venv_packages
    print(get_venv_packages(types.SimpleNamespace(version="3.11"))["pip"])
except Exception:  # fall back to reading the pinned default from the source
    import ansible_test, pathlib
    root = pathlib.Path(ansible_test.__file__).parent
    text = (root / "_internal" / "python_requirements.py").read_text()
    print(re.search(r"pip='([0-9.]+)'", text).group(1))
EOF
)" || { pg_warn "could not find the pip version ansible-test bootstraps"; return 1; }
    cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
    mkdir -p "$(dirname "$cache")"
    cp "$PG_ROOT/scripts/ansible-test-pip-bootstrap.py" "$cache"
    pg_log "pip $pip_version bootstrap for ansible-test: $cache (offline stand-in)"
    command -v shellcheck >/dev/null 2>&1 || pg_warn "shellcheck not on PATH: the shellcheck sanity test will be skipped"
    cd "$PG_ANSIBLE_TEST_TREE"
    # Output filtered only of pip's notes about absent package-index folders some machines configure.
    ansible-test sanity --local --python 3.11 --requirements --color no 2>&1 |
        { grep -v "^WARNING: Location 'file://.*' is ignored" || true; }
    return "${PIPESTATUS[0]}"
}

stage_lint() {
    pg_ansible_env
    ansible-lint --version | sed -n 1p
    ansible-lint
}

# compat VENV_NAME PYTHON CORE_SPEC
compat() {
    local name="$1" py="$2" spec="$3" venv="$PG_VENVS/$1" core
    pg_venv_ensure "$venv" "$py" -r "$PG_ROOT/requirements.txt" "$spec" "${COMPAT_TEST_DEPS[@]}"
    core="$("$venv/bin/python" -c 'from ansible.release import __version__; print(__version__)')"
    pg_log "$name: ansible-core $core on $("$venv/bin/python" -V 2>&1)"
    note "ansible-core $core, $("$venv/bin/python" -V 2>&1)"
    pg_ansible_env
    # Every integration test but those that need the browser or the platform tools (AWX,
    # EDA, ansible-builder, antsibull), which this small venv deliberately lacks.
    local -a xdist=()
    if "$venv/bin/python" -c 'import xdist' 2>/dev/null; then xdist=(-n 2); fi
    PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" run_pytest "$venv/bin/python" "${xdist[@]}" \
        -m 'not browser and not platform and not bench' tests/integration
}

stage_compat_oldest() {
    local py
    py="$(pg_find_python 3.11)" || { pg_warn "Python 3.11 not found"; return 1; }
    compat core217 "$py" "$COMPAT_OLDEST_SPEC"
}

stage_compat_latest() {
    local py
    if ! py="$(pg_find_python 3.12)"; then
        pg_warn "Python 3.12 not found (looked for python3.12 on PATH, /usr/bin, /usr/local/bin, ~/.pyenv/versions/3.12*)."
        pg_warn "The newest ansible-core (2.20+) needs Python >= 3.12: cannot test it here."
        note "python3.12 not found"
        return 1
    fi
    compat core-latest "$py" "$COMPAT_LATEST_SPEC"
}

stage_galaxy() {
    local version tarball dest
    version="$("$PG_VENV/bin/python" -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')"
    rm -f "$PG_BUILD"/patguard-github-*.tar.gz
    ansible-galaxy collection build --force --output-path "$PG_BUILD" .
    tarball="$PG_BUILD/patguard-github-$version.tar.gz"
    [ -f "$tarball" ] || { pg_warn "expected $tarball"; return 1; }
    local bad
    bad="$(tar -tzf "$tarball" | grep -E '^(\./)?(\.venvs?|build|\.git|tests/output)/' || true)"
    if [ -n "$bad" ]; then
        printf '%s\n' "$bad" | head -5
        pg_warn "the tarball contains files that build_ignore should keep out (above)"
        return 1
    fi
    dest="$PG_BUILD/galaxy-install"
    rm -rf "$dest"
    mkdir -p "$dest"
    ANSIBLE_COLLECTIONS_PATH="$dest" ansible-galaxy collection install --offline -p "$dest" "$tarball"
    [ -f "$dest/ansible_collections/patguard/github/MANIFEST.json" ] ||
        { pg_warn "installed collection has no MANIFEST.json"; return 1; }
    ANSIBLE_COLLECTIONS_PATH="$dest" ansible-galaxy collection list -p "$dest" patguard.github
    # The installed copy (not the source tree) must load: list its modules from there.
    local modules
    modules="$(ANSIBLE_COLLECTIONS_PATH="$dest" ansible-doc -t module -l patguard.github)"
    printf '%s\n' "$modules"
    note "$(basename "$tarball") $(du -h "$tarball" | cut -f1), installs, $(printf '%s\n' "$modules" | grep -c '^patguard\.github\.' || true) modules"
}

pg_banner "patguard.github test run ($(date -u +%Y-%m-%dT%H:%M:%SZ), CI=${CI:-})"
run_stage setup stage_setup
# The later stages need the venv on PATH in this (parent) shell too.
export PATH="$PG_VENV/bin:$PATH" VIRTUAL_ENV="$PG_VENV"
run_stage build stage_build
run_stage ruff stage_ruff
run_stage pytest stage_pytest
run_stage molecule stage_molecule
run_stage sanity stage_sanity
run_stage lint stage_lint
run_stage compat-2.17 stage_compat_oldest
run_stage compat-latest stage_compat_latest
run_stage galaxy stage_galaxy
print_summary
exit "$FAILED"
