"""The BUS exchange format: what the mobile system exports, read as a stream."""
