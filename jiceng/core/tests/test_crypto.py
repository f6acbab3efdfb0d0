"""Personal data at rest: encrypted per value, found again by keyed hash, keys outside."""

import base64
import os
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from jiceng.core import crypto

ID = "11010519491231002X"


@pytest.fixture
def key(settings):
    def use(secret: bytes | None = None, cipher: str = "aes-gcm"):
        settings.JICENG_DATA_KEY = base64.b64encode(secret or os.urandom(32)).decode()
        settings.JICENG_DATA_CIPHER = cipher
        crypto.reset()

    yield use
    crypto.reset()


@pytest.mark.parametrize("cipher", ["aes-gcm", "sm4-gcm"])
def test_round_trip_and_no_plaintext(key, cipher):
    key(cipher=cipher)
    stored = crypto.encrypt(ID)
    assert ID not in stored and "19491231" not in stored
    assert stored.startswith("v1:")
    assert crypto.decrypt(stored) == ID
    assert crypto.encrypt(ID) != stored  # a fresh nonce each time
    assert crypto.decrypt(crypto.encrypt("湛江市赤坎区中山路1号")) == "湛江市赤坎区中山路1号"


def test_empty_stays_empty(key):
    key()
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""
    assert crypto.lookup_hash("") == ""


def test_altered_value_or_wrong_key_is_refused(key):
    key()
    stored = crypto.encrypt(ID)
    head, body = stored.rsplit(":", 1)
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{head}:{base64.b64encode(bytes(raw)).decode()}")
    key()  # another key
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored)


def test_lookup_hash_is_stable_and_keyed(key):
    secret = os.urandom(32)
    key(secret)
    first = crypto.lookup_hash(ID)
    assert first == crypto.lookup_hash(ID) and len(first) == 64
    assert crypto.lookup_hash("440524188001010014") != first
    key(secret)
    assert crypto.lookup_hash(ID) == first
    key()
    assert crypto.lookup_hash(ID) != first  # without the key, the hash says nothing


def test_a_key_file_is_made_once_with_owner_only_access(settings, tmp_path):
    settings.JICENG_DATA_KEY = ""
    settings.JICENG_DATA_KEY_FILE = ""
    settings.DATA_DIR = tmp_path
    crypto.reset()
    try:
        stored = crypto.encrypt(ID)
        path = tmp_path / "keys" / "data.key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        crypto.reset()
        assert crypto.decrypt(stored) == ID  # the same key is read back
    finally:
        crypto.reset()


@pytest.mark.parametrize("bad", ["not base64!", base64.b64encode(b"short").decode()])
def test_bad_keys_are_refused(settings, bad):
    settings.JICENG_DATA_KEY = bad
    crypto.reset()
    try:
        with pytest.raises(ImproperlyConfigured):
            crypto.encrypt(ID)
    finally:
        crypto.reset()


def test_lookup_hash_is_hmac_sha256_of_the_value(key):
    import hmac

    secret = os.urandom(32)
    key(secret)
    mac_key = crypto._derive(secret, b"jiceng personal data lookup")
    for value in (ID, "440524188001010014", "湛江市赤坎区中山路1号"):
        expected = hmac.new(mac_key, value.encode(), "sha256").hexdigest()
        assert crypto.lookup_hash(value) == expected


@pytest.mark.parametrize("cipher", ["aes-gcm", "sm4-gcm"])
def test_encrypt_many_seals_each_value_with_its_own_nonce(key, cipher):
    key(cipher=cipher)
    values = [ID, "", ID, "13912345678"]
    sealed = crypto.encrypt_many(values)
    assert sealed[1] == ""
    assert sealed[0] != sealed[2]  # equal values, different nonces
    assert [crypto.decrypt(s) for s in sealed] == values
    nonces = {base64.b64decode(s.rsplit(":", 1)[1])[: crypto.NONCE] for s in sealed if s}
    assert len(nonces) == 3


@pytest.mark.parametrize("cipher", ["aes-gcm", "sm4-gcm"])
def test_decrypt_many_opens_what_encrypt_many_sealed(key, cipher):
    key(cipher=cipher)
    values = [ID, "", "13912345678", "湛江市赤坎区人民大道1号"]
    sealed = crypto.encrypt_many(values)
    assert crypto.decrypt_many([*sealed, None]) == [*values, ""]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_many([sealed[0][:-4] + "AAAA"])
