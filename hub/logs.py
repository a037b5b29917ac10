"""Log context and the JSON log format (LOG_FORMAT=json).

Each request binds its ids, the calling platform, the party it speaks for, the module and,
at the end, its outcome; every line logged while it runs carries them. Token values never
reach a log line: the formatter masks any that a message or traceback might contain.
"""

import json
import logging
import re
from contextvars import ContextVar

FIELDS = ("request_id", "correlation_id", "platform", "party", "module", "outcome")
_context: ContextVar[dict | None] = ContextVar("log_context", default=None)

# `Authorization: Token <value>`, and `"token": "<value>"` as in a Credentials object.
SECRETS = re.compile(
    r"""(?P<key>\bToken\s+|["']?\btoken["']?\s*[:=]\s*["']?)(?P<value>[^\s"',}]+)""",
    re.IGNORECASE,
)


def bind(**values) -> None:
    """Add values to the context of the current request (or task)."""
    context = _context.get()
    if context is None:
        _context.set(values)
    else:
        context.update(values)


def start(**values) -> None:
    """A fresh context (a new request)."""
    _context.set(values)


def clear() -> None:
    _context.set(None)


def current() -> dict:
    return _context.get() or {}


def mask_secrets(text: str) -> str:
    return SECRETS.sub(lambda match: match["key"] + "[masked]", text)


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the request's context."""

    def format(self, record: logging.LogRecord) -> str:
        context = current()
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_secrets(record.getMessage()),
            **{field: context.get(field) for field in FIELDS},
        }
        if record.exc_info:
            line["exception"] = mask_secrets(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """The human format, with the request id when there is one; token values masked too."""

    def format(self, record: logging.LogRecord) -> str:
        text = mask_secrets(super().format(record))
        request_id = current().get("request_id")
        return f"{text} [request {request_id}]" if request_id else text
