"""The web explorer in a real browser (Playwright driving Debian's chromium against a real dtl serve)."""
