"""The OpenAPI schema describes every OCPI interface: a view without annotations fails here."""

from pathlib import Path

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.validation import validate_schema

from hub.endpoints import OCPI_ENDPOINTS

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


@pytest.fixture(scope="module")
def schema():
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        generated = SchemaGenerator().get_schema(request=None, public=True)
    problems = [*GENERATOR_STATS._error_cache, *GENERATOR_STATS._warn_cache]
    GENERATOR_STATS.reset()
    return generated, problems


def test_schema_generates_without_errors_or_warnings(schema):
    generated, problems = schema
    assert problems == []
    validate_schema(generated)


def test_every_interface_is_documented_under_its_module_tag(schema):
    generated, _ = schema
    tags = {
        tag
        for path in generated["paths"].values()
        for operation in path.values()
        for tag in operation["tags"]
    }
    assert {endpoint.identifier for endpoint in OCPI_ENDPOINTS} <= tags


def test_operation_ids_are_unique(schema):
    generated, _ = schema
    ids = [op["operationId"] for path in generated["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))


def test_committed_schema_is_up_to_date(schema):
    generated, _ = schema
    rendered = OpenApiYamlRenderer().render(generated, renderer_context={}).decode()
    assert COMMITTED.read_text() == rendered, "run `make schema` and commit docs/openapi.yaml"
