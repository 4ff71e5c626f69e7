"""Infrastructure: the database, its schema and locks, configuration, errors."""
