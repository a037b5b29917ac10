from tests.locations.conftest import emsp_receiver  # noqa: F401  (a fixture)
