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
    config = from_environment({"FLASK_ENV": "production", "SECRET_KEY": "x" * 40, "PUBLIC_URL": "https://p.example"})
    check_production(config)
    assert config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("public_url", [None, "", "http://portal.example.com", "https://", "portal.example.com"])
def test_production_refuses_to_start_without_an_https_public_url(public_url):
    env = {"FLASK_ENV": "production", "SECRET_KEY": "x" * 40}
    if public_url is not None:
        env["PUBLIC_URL"] = public_url
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        check_production(from_environment(env))


def test_production_app_refuses_to_start_with_an_http_public_url():
    from portal import create_app

    with pytest.raises(ConfigError, match="https"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": "x" * 40, "PUBLIC_URL": "http://portal.example.com"})


def test_production_takes_its_public_url_from_the_environment_only():
    config = from_environment(
        {"FLASK_ENV": "production", "SECRET_KEY": "x" * 40, "PUBLIC_URL": "https://portal.example.com/"}
    )
    check_production(config)
    assert config["PUBLIC_URL"] == "https://portal.example.com"
    assert config["PUBLIC_URL_FROM_REQUEST"] is False


def test_development_without_public_url_uses_the_request_host():
    assert from_environment({})["PUBLIC_URL_FROM_REQUEST"] is True
    assert from_environment({"PUBLIC_URL": "https://portal.example.com"})["PUBLIC_URL_FROM_REQUEST"] is False


def test_trusted_proxies_default_to_none_and_are_read_as_a_number():
    assert from_environment({})["TRUSTED_PROXIES"] == 0
    assert from_environment({"TRUSTED_PROXIES": "1"})["TRUSTED_PROXIES"] == 1


def test_image_pixel_bound_is_configured_in_megapixels():
    assert from_environment({})["MAX_IMAGE_PIXELS"] == 100_000_000
    assert from_environment({"MAX_IMAGE_MEGAPIXELS": "60"})["MAX_IMAGE_PIXELS"] == 60_000_000
