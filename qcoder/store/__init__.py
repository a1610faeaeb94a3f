"""The SQLite store: schema, migrations and the queries."""
