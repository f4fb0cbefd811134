using System.Globalization;
using Corrections.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Corrections.Data;

/// <summary>
/// <c>dotnet Corrections.Web.dll backup PATH</c>: writes a consistent copy of the SQLite database to a new file, also
/// while the service runs and takes reports, and exits. The database servers are backed up with their own tools.
/// </summary>
public static class BackupCommand
{
    public const string Usage = "Usage: dotnet Corrections.Web.dll backup PATH (PATH: a new file for the copy)";

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken cancellationToken)
    {
        if (args is not [_, var path, ..] || string.IsNullOrWhiteSpace(path) || path.StartsWith('-'))
            return await FailAsync(Usage);

        DatabaseOptions database;
        try
        {
            database = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            return await FailAsync("The configuration is not valid:\n  " + string.Join("\n  ", ex.Failures));
        }
        catch (InvalidOperationException ex)
        {
            return await FailAsync("The configuration is not valid:\n  " + ex.Message);
        }
        if (database.Provider != DatabaseProvider.Sqlite)
            return await FailAsync(ServerToolsAdvice(database.Provider));

        var source = new SqliteConnectionStringBuilder(services.GetRequiredService<IConfiguration>().GetConnectionString("Corrections"))
        {
            // Read-only: the backup never writes to the service's database, not even a checkpoint when it closes.
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            // A reader in WAL mode rarely meets a lock (another process holding the file in exclusive locking mode,
            // recovering or closing the log); it waits for one as long as the service's own connections would.
            DefaultTimeout = database.BusyTimeoutSeconds,
        };
        if (string.IsNullOrWhiteSpace(source.DataSource) || source.DataSource == ":memory:")
            return await FailAsync("ConnectionStrings:Corrections names no SQLite database file: nothing to back up.");
        var sourcePath = Path.GetFullPath(source.DataSource);
        if (!File.Exists(sourcePath))
            return await FailAsync($"There is no SQLite database at {sourcePath} (ConnectionStrings:Corrections): nothing to back up.");
        var target = Path.GetFullPath(path);
        if (File.Exists(target) || Directory.Exists(target))
            return await FailAsync(AlreadyExists(target));

        // The copy is written under a name of its own and takes the target's name only once it is complete and on disk:
        // a backup cut off half-way leaves a *.partial file, never a file that looks like a backup.
        var partial = $"{target}.{Guid.NewGuid().ToString("N")[..8]}.partial";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            Console.WriteLine($"Backing up {sourcePath} to {target}");
            // Made empty and readable by its owner alone before SQLite fills it: the copy holds the keys that sign
            // triage links, and readers' addresses.
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            File.Open(partial, create).Dispose();
            await using (var connection = new SqliteConnection(source.ToString()))
            {
                await connection.OpenAsync(cancellationToken);
                // VACUUM INTO, not the backup API: one statement copies one snapshot while the service writes on, into
                // a compact file of its own (no -wal beside it), and it refuses a file that is not empty.
                await using var vacuum = connection.CreateCommand();
                vacuum.CommandText = "VACUUM INTO @path";
                vacuum.Parameters.AddWithValue("@path", partial);
                await vacuum.ExecuteNonQueryAsync(cancellationToken);
            }
            var reports = await CountReportsAsync(partial, cancellationToken);

            // SQLite does not sync the file VACUUM INTO writes.
            await using (var copy = new FileStream(partial, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                copy.Flush(flushToDisk: true);
            // Without overwriting: a file that took the target's name meanwhile is kept, and this copy is dropped.
            File.Move(partial, target, overwrite: false);

            var size = new FileInfo(target).Length;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {target}: {size:N0} bytes, {reports:N0} report(s)."));
            return 0;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteBusy or SqliteLocked)
        {
            return await FailAsync($"The database stayed locked for longer than Database:BusyTimeoutSeconds ({database.BusyTimeoutSeconds} s); no backup was written. ({ex.Message})");
        }
        catch (IOException) when (File.Exists(target))
        {
            return await FailAsync(AlreadyExists(target));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return await FailAsync($"Backing up the database failed; no backup was written: {ex.Message}");
        }
        finally
        {
            if (File.Exists(partial))
                File.Delete(partial);
        }
    }

    private static string ServerToolsAdvice(DatabaseProvider provider) =>
        $"The backup command copies a SQLite database; Database:Provider is {provider}. " + provider switch
        {
            DatabaseProvider.PostgreSql => "Back up a PostgreSQL database with its own tools: pg_dump, continuous archiving (pg_basebackup and WAL archiving), or the managed service's snapshots.",
            _ => "Back up a SQL Server database with its own tools: BACKUP DATABASE, or the managed service's automated backups and snapshots.",
        } + " See docs/deploy.md, Backups.";

    private static string AlreadyExists(string target) =>
        $"{target} already exists; a backup never overwrites it. Name a new file, or move that one away first.";

    private static async Task<long> CountReportsAsync(string copy, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = copy,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM \"Reports\"";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<int> FailAsync(string message)
    {
        await Console.Error.WriteLineAsync(message);
        return 1;
    }
}
