"""The system of record: tables, migrations, unit of work, outbox, commands and read views."""
