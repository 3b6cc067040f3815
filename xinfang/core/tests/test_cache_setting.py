"""The shared cache the workers of a deployment use (throttles, deadline-rule version): chosen by
XINFANG_CACHE_URL, a file cache by default so the gunicorn workers of one machine agree."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.base import cache_from_env


def test_default_is_a_file_cache_shared_by_processes(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("XINFANG_CACHE_URL", raising=False)
    backend = cache_from_env(tmp_path)["default"]
    assert backend["BACKEND"].endswith("FileBasedCache") and backend["LOCATION"] == str(tmp_path)


def test_redis_and_locmem(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("XINFANG_CACHE_URL", "redis://127.0.0.1:6379/3")
    assert cache_from_env(tmp_path)["default"]["BACKEND"].endswith("RedisCache")
    monkeypatch.setenv("XINFANG_CACHE_URL", "locmem")
    assert cache_from_env(tmp_path)["default"]["BACKEND"].endswith("LocMemCache")
    monkeypatch.setenv("XINFANG_CACHE_URL", "memcached://x")
    with pytest.raises(ImproperlyConfigured):
        cache_from_env(tmp_path)


def test_file_cache_counts_across_instances(tmp_path: Path):
    """Two workers = two cache objects over one directory: a count made by one is seen by the other."""
    from django.core.cache.backends.filebased import FileBasedCache

    a, b = FileBasedCache(str(tmp_path), {}), FileBasedCache(str(tmp_path), {})
    a.add("portal:submit:10.0.0.1", 0, timeout=60)
    a.incr("portal:submit:10.0.0.1")
    assert b.incr("portal:submit:10.0.0.1") == 2
