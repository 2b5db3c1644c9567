"""Run Lanterne on one machine: the web server, a Celery worker and beat. Ctrl-C stops all.

Background work never takes the site down: a worker that exits is started again after a
pause (its tasks are periodic sweeps and an outbox, so nothing waits on it), while the web
server exiting stops everything.
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

WORKER_RESTART_PAUSE = 2


class Command(BaseCommand):
    help = "Serve on 127.0.0.1:$PORT with gunicorn, plus a Celery worker with beat."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--workers", default=os.environ.get("WEB_WORKERS", "2"))

    def handle(self, port, host, workers, **options):
        python = sys.executable
        commands = {
            # No access log: it would hold reporters' addresses and user agents.
            "web": [
                python,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--threads",
                "4",
                "--timeout",
                "120",
                "--graceful-timeout",
                "5",
                "--error-logfile",
                "-",
                # Gunicorn's own lines (a malformed request's "ip=") without the address.
                "--logger-class",
                "config.gunicorn_log.AddressFreeLogger",
            ],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
        }
        children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self.stdout.write(f"Lanterne is running on http://{host}:{port}/ — Ctrl-C stops it.")
        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and children["web"].poll() is None:
                if children["worker"].poll() is not None:
                    self.stderr.write("the Celery worker exited; starting it again in 2 s")
                    time.sleep(WORKER_RESTART_PAUSE)
                    children["worker"] = subprocess.Popen(commands["worker"])
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        failed = [
            n for n, c in children.items() if c.returncode not in (0, -15, -2) and not stopping
        ]
        if failed:
            raise SystemExit(f"stopped because {', '.join(failed)} exited")
