/// The `Postgres` module: a safe wrapper over libpq (in progress).
public enum PostgresModule {}
