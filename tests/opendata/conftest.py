import pytest


@pytest.fixture(autouse=True)
def opendata_cache(settings, tmp_path):
    settings.OPENDATA_CACHE_DIR = tmp_path / "opendata"
    return settings.OPENDATA_CACHE_DIR
