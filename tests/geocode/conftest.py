from tests.store.conftest import engine  # noqa: F401 - the geocoder's cache on SQLite and on PostgreSQL
