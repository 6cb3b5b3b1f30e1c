"""Encrypted keys whose declared decryption cost is absurd are refused before any work; keys within the
bounds decrypt (every PBKDF2 PRF, AES size and scrypt), off the event loop, with a time limit."""

from __future__ import annotations

import asyncio

import pytest

from ksef import certs, pkcs8
from tests import certgen
from tests.pkcs8gen import encrypted_pkcs8

PASSWORD = "Zażółć-gęślą-jaźń 1"
MAX_INT32 = 2**31 - 1


def test_a_400_byte_key_declaring_2_to_31_iterations_is_refused_without_deriving() -> None:
    crafted = encrypted_pkcs8(None, PASSWORD, iterations=MAX_INT32)
    assert 350 <= len(crafted) <= 450
    # Without a password nothing can be derived at all: the refusal comes from the header alone,
    # at the upload step (the old code asked for the password here, then derived for minutes).
    with pytest.raises(certs.KeyCostError) as no_password:
        certs.load_private_key(crafted, None)
    assert "nietypowo wysokim kosztem" in no_password.value.user_message
    assert isinstance(no_password.value, certs.UnsupportedKeyError)  # the bot's key step handles it
    with pytest.raises(certs.KeyCostError):
        certs.load_private_key(crafted, PASSWORD)
    with pytest.raises(certs.KeyCostError):
        certs.load_private_key(encrypted_pkcs8(None, PASSWORD, iterations=MAX_INT32, der=True), PASSWORD)


@pytest.mark.parametrize(("n", "r", "p"), [(2**20, 8, 1), (2**14, 8, 64), (2**16, 64, 1), (2**31, 1, 1)])
def test_scrypt_beyond_the_memory_or_work_bound_is_refused(n: int, r: int, p: int) -> None:
    crafted = encrypted_pkcs8(None, PASSWORD, scrypt=(n, r, p))
    with pytest.raises(certs.KeyCostError):
        certs.load_private_key(crafted, None)


def test_malformed_scrypt_parameters_are_not_a_key() -> None:
    with pytest.raises(certs.NotAKeyError):
        certs.load_private_key(encrypted_pkcs8(None, PASSWORD, scrypt=(3000, 8, 1)), PASSWORD)


@pytest.mark.parametrize("prf", ["sha1", "sha224", "sha256", "sha384", "sha512"])
@pytest.mark.parametrize("aes_bytes", [16, 32])
def test_pbes2_keys_within_the_bound_decrypt_with_every_prf(prf: str, aes_bytes: int) -> None:
    key = certgen.new_key("EC")
    data = encrypted_pkcs8(key, PASSWORD, iterations=1000, prf=prf, aes_bytes=aes_bytes)
    loaded = certs.load_private_key(data, PASSWORD)
    assert loaded.private_numbers() == key.private_numbers()  # type: ignore[union-attr]
    with pytest.raises(certs.WrongPasswordError):
        certs.load_private_key(data, "inne hasło")


def test_scrypt_key_with_openssl_default_cost_and_rsa_aes192_decrypt() -> None:
    ec_key, rsa_key = certgen.new_key("EC"), certgen.new_key("RSA")
    scrypt = certs.load_private_key(encrypted_pkcs8(ec_key, PASSWORD, scrypt=(2**14, 8, 1)), PASSWORD)
    assert scrypt.private_numbers() == ec_key.private_numbers()  # type: ignore[union-attr]
    rsa_der = encrypted_pkcs8(rsa_key, PASSWORD, aes_bytes=24, der=True)
    assert certs.load_private_key(rsa_der, PASSWORD).private_numbers() == rsa_key.private_numbers()  # type: ignore[union-attr]


def test_the_largest_allowed_cost_still_loads_and_a_trailing_space_is_forgiven() -> None:
    key = certgen.new_key("EC")
    data = encrypted_pkcs8(key, PASSWORD, iterations=pkcs8.MAX_PBKDF2_ITERATIONS)
    assert certs.load_private_key(data, PASSWORD + "\n").private_numbers() == key.private_numbers()  # type: ignore[union-attr]
    with pytest.raises(certs.KeyCostError):
        certs.load_private_key(encrypted_pkcs8(None, PASSWORD, iterations=pkcs8.MAX_PBKDF2_ITERATIONS + 1),
                               None)


def test_the_library_and_openssl_default_pbes2_form_reads_as_2048_iterations() -> None:
    pem = certgen.key_file(certgen.new_key("EC"))  # cryptography's BestAvailableEncryption, as ksef/sim/ca.py
    body = certs._encrypted_pkcs8(pem, pem=True)
    assert body is not None
    found = pkcs8.read_encryption(body)
    assert (found.kdf, found.iterations, found.prf, found.cipher) == (
        "pbkdf2", 2048, "1.2.840.113549.2.9", "2.16.840.1.101.3.4.1.42")


async def test_async_loading_leaves_the_event_loop_free_and_has_a_time_limit() -> None:
    files = certgen.make_pair("EC", password=None)
    heavy = encrypted_pkcs8(files.key, PASSWORD, iterations=pkcs8.MAX_PBKDF2_ITERATIONS)
    task = asyncio.ensure_future(certs.load_key_pair_async(heavy, files.cert_file, PASSWORD))
    turns = 0
    while not task.done():
        await asyncio.sleep(0)  # another chat's work: runs only while the loop is not blocked
        turns += 1
    pair = task.result()
    assert pair.private_key.private_numbers() == files.key.private_numbers()  # type: ignore[union-attr]
    # Deriving 2 000 000 PBKDF2 rounds takes the worker ~0.2 s; the loop meanwhile turns ~10^5 times.
    # ``cryptography``'s own key loader holds the GIL while deriving: with it the loop turned only
    # during the Python parts of loading (measured 5 to 3 700 turns), never near this figure.
    assert turns > 10_000
    with pytest.raises(certs.KeyTimeoutError) as timed_out:
        await certs.load_key_pair_async(heavy, files.cert_file, PASSWORD, timeout=0)
    assert "zbyt długo" in timed_out.value.user_message
