"""memverify's verification layer: claim registry, checks, reports, command line, strategies."""

__version__ = "0.1.0"
