"""Thin Radicale adapters (storage, auth, rights, web) that call into `bridge`."""
