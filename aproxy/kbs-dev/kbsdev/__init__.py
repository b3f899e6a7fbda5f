"""nutshell's development KBS: Trustee's KBS protocol 0.4.0 for local use and tests (docs/kbs-dev.md)."""
