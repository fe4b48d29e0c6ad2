"""Run a command against a throwaway PostgreSQL cluster (Debian's postgresql server binaries).

    python tests/office/with_postgres.py -- python -m pytest tests/office

initdb in a temporary folder, the server on a Unix socket only (no TCP port), the command run
with ``KIOSK_OFFICE_DATABASE_URL`` pointing at it, then the cluster stopped and removed.  As root
the server runs as the ``postgres`` user (initdb refuses root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        sys.exit(f"{name} not found: install Debian's postgresql package (apt-get install postgresql)")
    return path


# tests: nothing needs to survive a crash of the throwaway cluster
FAST = "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"


@contextmanager
def cluster(options: str = FAST, prefix: str = "kiosk-pg-") -> Iterator[str]:
    """A throwaway cluster on a Unix socket (server ``options`` added); yields its database URL."""
    as_root = os.geteuid() == 0
    user = "postgres" if as_root else pwd.getpwuid(os.geteuid()).pw_name
    base = Path(tempfile.mkdtemp(prefix=prefix))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if as_root:
        entry = pwd.getpwnam(user)
        os.chmod(base, 0o755)
        for p in (base, sock):
            os.chown(p, entry.pw_uid, entry.pw_gid)

    def run(*cmd: str) -> None:
        full = ["runuser", "-u", user, "--", *cmd] if as_root else list(cmd)
        subprocess.run(full, check=True, stdout=subprocess.DEVNULL)

    try:
        run(pg_bin("initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        run(pg_bin("pg_ctl"), "-D", str(data), "-w", "-l", str(base / "server.log"), "-o",
            f"-k {sock} -c listen_addresses='' {options}", "start")
        print(f"PostgreSQL cluster on {sock} (user {user})", flush=True)
        yield f"postgresql://{user}@/postgres?host={sock}"
    finally:
        if (data / "postmaster.pid").exists():
            run(pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    if not argv:
        sys.exit(__doc__)
    with cluster() as url:
        return subprocess.run(argv, env=dict(os.environ, KIOSK_OFFICE_DATABASE_URL=url)).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
