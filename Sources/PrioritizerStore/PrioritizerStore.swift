// PostgreSQL persistence.
