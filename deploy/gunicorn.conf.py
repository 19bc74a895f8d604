"""gunicorn's settings for countyhall (deploy/systemd/countyhall-web.service: `gunicorn -c deploy/gunicorn.conf.py`).

The socket comes from systemd (countyhall-web.socket); a bind given on the command line (the smoke test's
`--bind 127.0.0.1:PORT`) overrides nothing here. Workers, timeout and logs are what the unit's command line said
before this file (gunicorn's own GUNICORN_CMD_ARGS, e.g. "--workers 2", overrides them without editing it).

Each worker, once it has loaded the application, collects, freezes the surviving objects out of the garbage
collector's reach and raises the young generation's threshold (countyhall.config.gc_tuning): the busy pages'
slow tenth request was a full collection walking Django's own objects (docs/benchmarks.md, "gc.freeze").
The application is not preloaded in the master: `systemctl reload` (HUP) then starts workers on the new code.
"""

wsgi_app = "countyhall.config.wsgi:application"
workers = 4
timeout = 120
accesslog = "-"
errorlog = "-"


def post_worker_init(worker):
    """Called in each worker after it has imported the application (post_fork runs before that, when there is
    nothing of Django's to freeze yet)."""
    from countyhall.config.gc_tuning import freeze_after_startup

    done = freeze_after_startup()
    worker.log.info("gc frozen after start-up: %s objects, thresholds %s", done["frozen"], done["threshold"])
