"""A throwaway PostgreSQL cluster in a temp dir, for the store's tests and bench/scale_bench.py."""

from __future__ import annotations

import os


def binary(name: str) -> str | None:
    """A PostgreSQL server program (the newest installed version), or None."""
    import glob
    import shutil

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda path: float(path.split("/")[4]) if path.split("/")[4].replace(".", "").isdigit() else 0)
    return found[-1] if found else shutil.which(name)


class PgCluster:
    """A throwaway PostgreSQL cluster in a temp dir (initdb, pg_ctl), listening on a unix socket only.  As root,
    it runs as `nobody` (initdb refuses root)."""

    def __init__(self, initdb: str, pg_ctl: str) -> None:
        import tempfile

        self.pg_ctl = pg_ctl
        # as root, in /tmp itself: TMPDIR may lie under a directory the unprivileged user cannot enter
        as_root = os.geteuid() == 0
        self.base = tempfile.mkdtemp(prefix="policykit-pg-", dir="/tmp" if as_root and os.path.isdir("/tmp") else None)
        self.data, socket = os.path.join(self.base, "data"), os.path.join(self.base, "socket")
        os.mkdir(socket)
        self.as_user: list[str] = []
        if as_root:
            import pwd

            user = pwd.getpwnam("nobody")
            for path in (self.base, socket):
                os.chown(path, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "nobody", "--"]
        self._run(initdb, "-D", self.data, "-U", "policykit", "--auth=trust", "-E", "UTF8", "--no-locale",
                  "--no-sync")  # no locale: whatever LANG names need not be generated on this machine
        self.options = f"-c listen_addresses='' -k {socket} -c max_connections=20 -c shared_buffers=16MB"
        self.url = f"postgresql://policykit@/postgres?host={socket}"
        self.start()

    def _run(self, *args: str):
        import subprocess

        return subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        import subprocess

        log = os.path.join(self.base, "server.log")
        try:
            self._run(self.pg_ctl, "-D", self.data, "-l", log, "-o", self.options, "-w", "-t", "60", "start")
        except subprocess.CalledProcessError:
            print(open(log, encoding="utf-8", errors="replace").read())
            raise

    def crash(self) -> None:
        """Stop the server as a crash would (immediate mode: no checkpoint; recovery replays the WAL)."""
        self._run(self.pg_ctl, "-D", self.data, "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        """Stop the server and delete its files."""
        import shutil
        import subprocess

        subprocess.run([*self.as_user, self.pg_ctl, "-D", self.data, "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.base, ignore_errors=True)
