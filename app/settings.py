"""Every setting Tribune reads from the environment, read in this one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TLS_MODES = ("starttls", "tls", "none")


@dataclass(frozen=True)
class Provider:
    """An OpenID Connect provider as a relying party knows it."""

    issuer: str
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class EmailSettings:
    """No `smtp_host`: messages are written to `outbox` as .eml files instead."""

    outbox: Path
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_tls: str = "starttls"  # "tls" is implicit TLS (port 465); "none" only on a LAN
    smtp_username: str | None = None
    smtp_password: str | None = None
    sender: str = "Tribune <ne-pas-repondre@tribune.localhost>"
    public_url: str | None = None  # e.g. https://tribune.example: adds a link to the receipt
    max_attempts: int = 8
    retry_seconds: float = 30.0  # then doubled each attempt, up to an hour
    max_age: timedelta = timedelta(days=3)  # older mail is never sent (first run, rebuild)
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.smtp_tls not in TLS_MODES:
            raise ValueError(f"smtp_tls must be one of {', '.join(TLS_MODES)}")


def _provider(env: os._Environ[str], prefix: str) -> Provider | None:
    issuer = env.get(f"{prefix}_ISSUER")
    if not issuer:
        return None
    return Provider(issuer, env[f"{prefix}_CLIENT_ID"], env[f"{prefix}_CLIENT_SECRET"])


def _email(env: os._Environ[str], var_dir: Path) -> EmailSettings:
    """No SMTP host: each email is written to var/outbox/<id>.eml (development)."""
    return EmailSettings(
        outbox=Path(env.get("TRIBUNE_MAIL_OUTBOX", var_dir / "outbox")),
        smtp_host=env.get("TRIBUNE_SMTP_HOST") or None,
        smtp_port=int(env.get("TRIBUNE_SMTP_PORT", "587")),
        smtp_tls=env.get("TRIBUNE_SMTP_TLS", "starttls"),  # starttls | tls | none
        smtp_username=env.get("TRIBUNE_SMTP_USERNAME") or None,
        smtp_password=env.get("TRIBUNE_SMTP_PASSWORD") or None,
        sender=env.get("TRIBUNE_MAIL_FROM", EmailSettings.sender),
        public_url=env.get("TRIBUNE_PUBLIC_URL") or None,
    )


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    var_dir: Path
    host: str
    port: int
    cipher_key: str | None
    pseudonym_key: bytes
    projection_batch: int
    page_cache_seconds: float
    citizen_provider: Provider | None
    staff_provider: Provider | None
    secure_cookies: bool
    rate_per_address: str
    calibration_share: float
    email: EmailSettings

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            var_dir=Path(env.get("TRIBUNE_VAR_DIR", ROOT / "var")),
            host=env.get("TRIBUNE_HOST", "127.0.0.1"),
            port=int(env.get("PORT", "8000")),
            cipher_key=env.get("TRIBUNE_CIPHER_KEY") or None,
            # Moderators appear on the public ledger under HMAC(key, id): keep it secret
            # and stable, or every pseudonym changes at the next rebuild.
            pseudonym_key=env.get("TRIBUNE_PSEUDONYM_KEY", "tribune-development").encode(),
            projection_batch=int(env.get("TRIBUNE_PROJECTION_BATCH", "1000")),
            page_cache_seconds=float(env.get("TRIBUNE_PAGE_CACHE_SECONDS", "5")),
            citizen_provider=_provider(env, "CITIZEN_OIDC"),
            staff_provider=_provider(env, "STAFF_OIDC"),
            secure_cookies=env.get("TRIBUNE_SECURE_COOKIES", "") == "1",
            rate_per_address=env.get("TRIBUNE_RATE_PER_ADDRESS", "120/minute"),
            # The share of first decisions sent back, blind, to a second moderator.
            calibration_share=float(env.get("TRIBUNE_CALIBRATION_SHARE", "0.05")),
            email=_email(env, Path(env.get("TRIBUNE_VAR_DIR", ROOT / "var"))),
        )
