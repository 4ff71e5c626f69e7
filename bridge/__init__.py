"""Sales calendar bridge: the headquarters domain (no Radicale imports here)."""
