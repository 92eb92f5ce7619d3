"""SQLAlchemy store: ORM rows, engine, unit of work and migrations."""
