"""A real browser for tests: Debian's chromium (/usr/bin/chromium) driven by Playwright, no
browser download. `browser_page` is registered as a fixture for the whole suite in
jiceng/conftest.py; modules that use it set `pytestmark = BROWSER_MARKS`."""

import os
from pathlib import Path

import pytest
from django.db import connections

from jiceng.core.testing import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]


@pytest.fixture
def browser_page():
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # itself are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()
            # The test's ORM calls ran inside Playwright's event loop, whose context holds
            # its own database connection (Django keeps connections per context): close it
            # here, or it outlives the test and the test database cannot be dropped.
            connections.close_all()


def log_in(page, base_url: str, username: str) -> None:
    """Log in through the login page, and through the second step when the user has one:
    an administrator without a device enrols one (reading the secret off the page, as a
    person's authenticator app would scan it), one with a device gives its current code."""
    import re

    from django.urls import reverse

    home = base_url + reverse("web:home")
    page.goto(base_url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    otp = re.compile(re.escape(base_url + reverse("otp_verify")) + r"(setup/)?(\?.*)?$")
    page.wait_for_url(lambda url: url == home or bool(otp.match(url)))
    if page.url == home:
        return
    page.fill("#id_token", _current_code(page, username))
    page.click("#otp-form button[type=submit]")
    page.wait_for_url(home)


def _current_code(page, username: str) -> str:
    from base64 import b32decode

    from django_otp.oath import totp

    from jiceng.accounts.models import User
    from jiceng.core.testing import totp_code, totp_device

    if page.locator("#otp-secret").count():  # enrolment: the secret is on the page
        secret = page.locator("#otp-secret").inner_text().replace(" ", "")
        return f"{totp(b32decode(secret)):06d}"
    return totp_code(totp_device(User.objects.get(username=username)))
