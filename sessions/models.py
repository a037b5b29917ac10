"""The hub's latest copy of every charging Session, and the eMSP it goes to."""

from django.db import models

from cdrs.models import PrivateObject

STATUSES = ["ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"]


class Session(PrivateObject):
    """One Session as stored after the CPO's PUTs and PATCHes; `document` is served as is."""

    session_id = models.CharField(max_length=36, help_text="Session.id, upper-cased (CiString)")
    status = models.CharField(max_length=11, choices=[(s, s) for s in STATUSES], db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "party_id", "session_id"], name="one_session_per_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.document.get('id', self.session_id)}"
