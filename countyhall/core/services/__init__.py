"""Write services of the core. Each takes keyword-only arguments and the acting user, validates,
writes and records its audit row in the same transaction."""
