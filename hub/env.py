"""Read settings from the environment; a bad value stops start-up naming the variable."""

import ipaddress
import os
import re
import secrets
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str) -> str:
    return os.environ.get(name) or default


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (os.environ.get(name) or default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r}: expected one of {', '.join(choices)}")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: expected true or false")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected an integer") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r}: must be at least {minimum}")
    return value


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a number") from None
    if value <= 0:
        raise ImproperlyConfigured(f"{name}={raw!r}: must be positive")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str) -> dict:
    raw = os.environ.get(name) or default
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except Exception as error:  # dj_database_url raises several kinds
        raise ImproperlyConfigured(f"{name}: cannot parse database URL ({error})") from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"{name}: unsupported database URL scheme")
    return config


def env_url(name: str, default: str) -> str:
    raw = os.environ.get(name) or default
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected an absolute http(s) URL")
    return raw.rstrip("/")


def env_cistring(name: str, default: str, length: int) -> str:
    raw = os.environ.get(name) or default
    if not re.fullmatch(rf"[A-Za-z0-9]{{{length}}}", raw):
        raise ImproperlyConfigured(f"{name}={raw!r}: expected {length} letters or digits")
    return raw.upper()


def env_networks(name: str, default: list[str]) -> list:
    """Comma-separated IP addresses or networks (`10.0.0.0/8`)."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {item!r} is no IP address or network") from None
    return networks


def embedded_secret_key(var_dir) -> str:
    """A random key kept in `var_dir`, made on first start (the embedded default only)."""
    path = var_dir / "secret_key"
    if not path.exists():
        draft = var_dir / f"secret_key.{os.getpid()}"
        draft.write_text(secrets.token_urlsafe(50))
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic: the first process to start sets the key for all
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
