"""`/healthz` (the process answers) and `/readyz` (it can do its work), for load balancers and
orchestrators. Answered before every other middleware: no token, no session, no Host check,
and nothing about versions or configuration in the answer.
"""

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse

logger = logging.getLogger(__name__)
BROKER_TIMEOUT = 2.0


def health_middleware(get_response):
    def middleware(request):
        if request.path_info == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path_info == "/readyz":
            checks = readiness()
            failed = [name for name, result in checks.items() if result != "ok"]
            body = {"status": "not ready" if failed else "ready", "checks": checks}
            if failed:
                body["failed"] = failed
            return JsonResponse(body, status=503 if failed else 200)
        return get_response(request)

    return middleware


def readiness() -> dict[str, str]:
    """Each check's result: "ok" or "unavailable" (the reason goes to the log only)."""
    database = _run("database", check_database)
    return {
        "database": database,
        "migrations": _run("migrations", check_migrations) if database == "ok" else "unknown",
        "broker": _run("broker", check_broker),
    }


def _run(name, check) -> str:
    try:
        check()
    except Exception as error:
        logger.warning("readiness check %s failed: %s", name, type(error).__name__)
        return "unavailable"
    return "ok"


def check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")


_migrated = False


def check_migrations() -> None:
    """Every migration of this code is applied (remembered once true: they are not undone)."""
    global _migrated
    if _migrated:
        return
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("migrations not applied")
    _migrated = True


def check_broker() -> None:
    from hub.celery import app

    with app.connection_for_write(url=settings.CELERY_BROKER_URL) as connection:
        connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
