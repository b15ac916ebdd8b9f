# Offline stand-in for ansible-test's get-pip bootstrap script.
#
# Provenance: project copy of the stand-in kept in the team's shared tools
# (shared/tools/ansible-test-pip-bootstrap.py), carried here because CI and fresh machines
# have no access to that folder. scripts/test.sh copies it to
# ~/.ansible/test/cache/get_pip_<pip version>.py, where `ansible-test ... --requirements`
# looks for a cached get-pip script before trying to download one from
# ci-files.testing.ansible.com (which these machines cannot reach).
#
# ansible-test runs it as `python get_pip.py <pip options> pip==X.Y [--no-setuptools] [--no-wheel]`
# inside a fresh virtual environment. It runs ensurepip in a child process (ensurepip blanks
# pip's configuration in its own process, which loses the machine's CA setting and ends in
# SSL errors), then lets pip install what was asked from the configured package index.
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip"], stdout=subprocess.DEVNULL)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "-q"] + args))
