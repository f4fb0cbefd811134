using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Corrections.Storage;

public static class DatabaseErrors
{
    private const int SqliteConstraintUnique = 2067;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteCantOpen = 14;
    private const int SqlServerDuplicateKeyInIndex = 2601;
    private const int SqlServerDuplicateKeyInConstraint = 2627;

    public static bool IsUniqueViolation(DbUpdateException exception) => exception.InnerException switch
    {
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is SqliteConstraintUnique or SqliteConstraintPrimaryKey,
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        SqlException sqlServer => sqlServer.Number is SqlServerDuplicateKeyInIndex or SqlServerDuplicateKeyInConstraint,
        _ => false,
    };

    /// <summary>
    /// The database could not be reached or stayed locked past the busy timeout: the same request may succeed
    /// in a moment, and nothing of it was committed.
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked or SqliteCantOpen })
                return true;
            if (current is DbException { IsTransient: true })
                return true;
        }
        return false;
    }
}
