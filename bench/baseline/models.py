from django.db import models


class BaselineDocument(models.Model):
    """The storage baseline: one JSON document per key, nothing else."""

    key = models.CharField(max_length=120, unique=True)
    document = models.JSONField()

    def __str__(self) -> str:
        return self.key
