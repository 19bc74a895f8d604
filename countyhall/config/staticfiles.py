"""collectstatic without Redoc: the sidecar package ships it, but countyhall serves only Swagger UI (/api/docs/).

Leaving it out keeps a megabyte of JavaScript (and its source map) out of STATIC_ROOT and roughly halves the
time collectstatic spends compressing on every install and upgrade.
"""

from django.contrib.staticfiles.apps import StaticFilesConfig


class CountyhallStaticFilesConfig(StaticFilesConfig):
    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "redoc"]
