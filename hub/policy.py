"""The validation policy of a platform: a thin layer over `hub.serializers.validate`.

Strict: every spec violation is refused with 2001. Lenient (the default): a violation is
refused only in a field the hub routes on, stores in a column, merges or indexes (each module
lists them as `refused`); any other is accepted, the object is stored and forwarded byte for
byte, and the violation is counted in the platform's deviation ledger (docs/validation.md).
"""

from dataclasses import dataclass

from rest_framework import serializers

from hub.exceptions import error_items
from hub.ledger import ledger_path, record
from hub.serializers import bound, validate
from parties.models import Deviation, Platform, ValidationPolicy


def is_refused(path: str, refused: frozenset[str]) -> bool:
    """Whether an error at `path` is refused in lenient mode.

    `refused` holds field paths (`[]` for any index); `name.*` covers a whole sub-object.
    An error on the body itself (its JSON shape, a rule across fields) is always refused.
    """
    if not path:
        return True
    path = ledger_path(path)
    if path in refused:
        return True
    for name in refused:
        if name.endswith(".*"):
            whole = name[:-2]
            if path == whole or path.startswith((f"{whole}.", f"{whole}[")):
                return True
    return False


@dataclass(frozen=True)
class Validation:
    """How one request's objects are validated: the sending platform's policy, and where its
    deviations are recorded. Without a platform (the hub's own use): strict, nothing recorded."""

    platform: Platform | None = None
    request_id: str = ""

    @property
    def lenient(self) -> bool:
        return (
            self.platform is not None
            and self.platform.validation_policy == ValidationPolicy.LENIENT
        )

    def check(
        self, serializer_class, data, *, module: str, refused: frozenset[str] = frozenset()
    ) -> None:
        """Validate `data`; raise ValidationError (2001) as the policy says, record the rest."""
        try:
            validate(serializer_class, data)
            return
        except serializers.ValidationError as error:
            if not self.lenient:
                raise
            deviations = error_items(error.detail)
            if any(is_refused(path, refused) for path, _ in deviations):
                raise
        # Rules across fields run after the fields validated; run them on the body as sent.
        try:
            bound(serializer_class).validate(data)
        except serializers.ValidationError as error:
            crossed = error_items(error.detail)
            if any(is_refused(path, refused) for path, _ in crossed):
                raise
            deviations += crossed
        except (KeyError, TypeError, AttributeError):
            pass  # a rule over a field that is itself a deviation: already recorded
        record(self.platform, module, Deviation.Direction.SENT, deviations, self.request_id)


STRICT = Validation()
