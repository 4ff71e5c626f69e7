"""The `bridge` command line: a thin layer over the domain, never imported by it."""
