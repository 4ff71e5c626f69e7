"""The calendar server's domain: collections, items, change log and the HQ projections.

Nothing here knows Radicale; `storage_plugin/` adapts these functions to its plugin API.
"""
