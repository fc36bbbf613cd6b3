import pytest

from portal.config import ConfigError, check_production, from_environment


def test_heroku_postgres_url_uses_psycopg3():
    config = from_environment({"DATABASE_URL": "postgres://u:p@host:5432/db"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@host:5432/db"


def test_embedded_default_needs_no_services():
    config = from_environment({})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["REDIS_URL"] is None and config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["STORAGE_BACKEND"] == "local"


def test_redis_url_backs_the_rate_limiter():
    config = from_environment({"REDIS_URL": "rediss://h:6380"})
    assert config["RATELIMIT_STORAGE_URI"] == "rediss://h:6380"


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(ConfigError):
        check_production(from_environment({"FLASK_ENV": "production"}))
    config = from_environment({"FLASK_ENV": "production", "SECRET_KEY": "x" * 40})
    check_production(config)
    assert config["SESSION_COOKIE_SECURE"] is True
