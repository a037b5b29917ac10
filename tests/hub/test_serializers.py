"""The shared validation helper answers exactly what a fresh serializer's is_valid would."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework import serializers

from hub.serializers import OPTIONAL, CiString, Integer, validate


class PointSerializer(serializers.Serializer):
    x = Integer()
    label = CiString(3, **OPTIONAL)


class ShapeSerializer(serializers.Serializer):
    name = CiString(10)
    points = PointSerializer(many=True)
    tags = serializers.ListField(child=CiString(2), **OPTIONAL)

    def validate(self, attrs):
        if attrs["name"] == "bad":
            raise serializers.ValidationError({"name": "not this one"})
        return attrs


def fresh_errors(data):
    serializer = ShapeSerializer(data=data)
    with pytest.raises(serializers.ValidationError) as raised:
        serializer.is_valid(raise_exception=True)
    return raised.value.detail


def shared_errors(data):
    with pytest.raises(serializers.ValidationError) as raised:
        validate(ShapeSerializer, data)
    return raised.value.detail


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "text",
        {},
        {"name": "bad", "points": []},
        {"name": "ok", "points": [{"x": "1"}, {"x": 2, "label": "toolong"}]},
        {"name": "ok", "points": "no"},
        {"name": "ok", "points": [], "tags": ["abc", 3]},
    ],
)
def test_errors_are_those_of_a_fresh_serializer(data):
    assert shared_errors(data) == fresh_errors(data)


def test_valid_data_comes_back_validated():
    data = {"name": "ok", "points": [{"x": 1}], "extra": True}
    assert validate(ShapeSerializer, data) == {"name": "ok", "points": [{"x": 1}]}


def test_threads_sharing_the_instance_get_their_own_answers():
    good = {"name": "ok", "points": [{"x": n} for n in range(20)]}
    bad = {"name": "ok", "points": [{"x": n} for n in range(19)] + [{"x": "7"}]}

    def check(index):
        if index % 2:
            return shared_errors(bad) == fresh_errors(bad)
        return validate(ShapeSerializer, good) == good

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(check, range(400)))
