"""Webhook secrets and signatures (Standard Webhooks).

A secret is `whsec_` and 32 random bytes in base64. It is shown once, when made, and kept
sealed (Fernet: AES with an HMAC) under WEBHOOK_SECRETS_KEY: the worker must sign with it,
so it cannot be kept as a hash like a token, and a copy of the database (a backup, a
replica) without the key does not let anyone sign as the service. Without the setting a
development key seals them, and a warning says so.
"""

import base64
import functools
import hashlib
import hmac
import logging
import secrets

from cryptography.fernet import Fernet, MultiFernet

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
# Only for a service that was given no key: anyone with this source can unseal with it.
DEVELOPMENT_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"assessment-service development webhook key").digest())


def new_secret():
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


@functools.cache
def sealer(keys):
    """The Fernet that seals with the first of the comma-separated `keys` and unseals with
    any of them (so that the key can be rotated); the development key when `keys` is None."""
    if keys is None:
        log.warning("WEBHOOK_SECRETS_KEY is not set: webhook secrets are sealed with the development key")
        return MultiFernet([Fernet(DEVELOPMENT_KEY)])
    return MultiFernet([Fernet(key.strip()) for key in keys.split(",") if key.strip()])


def seal(keys, secret):
    return sealer(keys).encrypt(secret.encode("ascii")).decode("ascii")


def unseal(keys, sealed):
    return sealer(keys).decrypt(sealed.encode("ascii")).decode("ascii")


def signing_key(secret):
    """The HMAC key a secret stands for: the bytes after its prefix."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature_header(keys, message_id, timestamp, body):
    """webhook-signature: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` for each signing
    key (HMAC keys, not secrets), space-separated."""
    signed = f"{message_id}.{timestamp}.".encode("ascii") + body
    return " ".join("v1," + base64.b64encode(hmac.digest(key, signed, "sha256")).decode("ascii") for key in keys)
