"""The HQ domain: activities and customers, employees, settings, HQ commands, cockpit."""
