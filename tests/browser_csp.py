"""Content-Security-Policy violations met by a Chromium page (or every page of a context), for browser tests;
and logging in through the portal's own form.

Chromium tells of a blocked script, style, image or worker in the console and through the page's
`securitypolicyviolation` event; both end up in the list `watch` returns."""

from urllib.parse import quote

__all__ = ["watch", "log_in"]

_PASSWORD = "a-long-test-password"  # the one most tests give the users they make

_REPORT = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Content Security Policy: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"} `
                + `(${event.sourceFile || location.href}:${event.lineNumber})`);
});
"""


def watch(target) -> list[str]:
    """Start recording on a Playwright Page or BrowserContext; the returned list fills as violations happen."""
    found: list[str] = []
    target.add_init_script(_REPORT)
    target.on("console", lambda message: found.append(message.text)
              if "Content Security Policy" in message.text else None)
    return found


def log_in(page, base: str, username: str, *, password: str = _PASSWORD, next: str = "/") -> None:
    """Log in through the login form as a person does, and wait until the portal has sent the page on to `next`."""
    page.goto(f"{base}/accounts/login/?next={quote(next)}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{next}")
