"""Settings for Redis and email from the environment."""

import ssl

from redis import Redis

from portal import create_app
from portal.config import from_environment


def test_rediss_url_accepts_heroku_self_signed_certificates():
    config = from_environment({"REDIS_URL": "rediss://:secret@ec2.example.com:12345"})
    assert config["REDIS_OPTIONS"] == {"ssl_cert_reqs": "none"}
    assert config["RATELIMIT_STORAGE_OPTIONS"] == {"ssl_cert_reqs": "none"}
    client = Redis.from_url(config["REDIS_URL"], **config["REDIS_OPTIONS"])
    assert client.connection_pool.connection_kwargs["ssl_cert_reqs"] == "none"
    pool = client.connection_pool
    assert pool.connection_class(**pool.connection_kwargs).cert_reqs == ssl.CERT_NONE


def test_plain_redis_url_keeps_defaults():
    config = from_environment({"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert config["REDIS_OPTIONS"] == {} and config["RQ_QUEUE"] == "portal"


def test_email_settings_have_working_defaults():
    config = from_environment({})
    assert config["MAIL_SERVER"] is None and config["REDIS_URL"] is None
    assert config["EMAIL_BATCH_SECONDS"] == 180 and config["EMAIL_MAX_ATTEMPTS"] == 8
    assert config["EMAIL_STUCK_SECONDS"] > config["MAIL_TIMEOUT"]
    tuned = from_environment({"EMAIL_BATCH_SECONDS": "0", "RQ_QUEUE": "mail", "MAIL_TIMEOUT": "5"})
    assert (tuned["EMAIL_BATCH_SECONDS"], tuned["RQ_QUEUE"], tuned["MAIL_TIMEOUT"]) == (0, "mail", 5)


def test_app_starts_with_a_rediss_url_without_connecting(tmp_path, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "rediss://:secret@127.0.0.1:1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}", "TESTING": True})
    with app.app_context():
        from portal.jobs import get_queue

        queue = get_queue()
        assert queue.name == "portal"
        assert queue.connection.connection_pool.connection_kwargs["ssl_cert_reqs"] == "none"
