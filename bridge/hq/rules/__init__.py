"""Business rules of the headquarters, free of I/O: statuses and descriptions."""
