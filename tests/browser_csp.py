"""Content-Security-Policy violations met by a Chromium page (or every page of a context), for browser tests.

Chromium tells of a blocked script, style, image or worker in the console and through the page's
`securitypolicyviolation` event; both end up in the list `watch` returns."""

__all__ = ["watch"]

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
