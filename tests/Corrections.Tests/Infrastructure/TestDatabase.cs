namespace Corrections.Testing;

public static partial class TestDatabase
{
    /// <summary>Skips a test that needs a PostgreSQL server of its own when none is configured.</summary>
    public static void SkipWithoutPostgres() => Skip.If(PostgresServer is null,
        $"{PostgresVariable} is not set: no PostgreSQL server to test against (tests/run.sh starts one for its PostgreSQL run)");
}
