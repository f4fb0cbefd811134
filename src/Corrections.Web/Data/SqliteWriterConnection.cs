using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Data;

/// <summary>
/// The one connection that the submission writer commits with on SQLite, kept open outside the pool for as long as the
/// writer runs, with one context on it:
/// <list type="bullet">
/// <item>Its page cache is large and stays warm from one group to the next. A report's keys land at random places in
/// their indexes; with SQLite's default 2 MB cache, which a pooled connection would also share with whoever had it
/// before, nearly every one of those places is read from the file again for every group. While the groups of a burst
/// go into the intake, which only appends, a smaller cache serves as well and leaves the memory to the intake's keys.</item>
/// <item>Its commits never wait for the disk (<c>synchronous=NORMAL</c>): the writer syncs the log itself, and no
/// request is ever handed this connection.</item>
/// <item>It keeps the statements the writer prepares on it (<see cref="StatementKeepingConnection"/>).</item>
/// </list>
/// After a failure it is closed, and the next group opens a new one.
/// </summary>
public sealed class SqliteWriterConnection(IServiceScopeFactory scopes) : IAsyncDisposable
{
    /// <summary>In KiB, as SQLite's cache_size takes it when negative: 32 MB.</summary>
    public const int CacheKibibytes = 32 * 1024;

    /// <summary>The cache while the intake holds groups: 8 MB.</summary>
    public const int IntakeCacheKibibytes = 8 * 1024;

    private CorrectionsDb? db;
    private int cacheKibibytes = CacheKibibytes;

    /// <summary>Sets the page cache's size, now and for the connections opened after a failure.</summary>
    public async Task SetCacheAsync(int kibibytes)
    {
        if (kibibytes == cacheKibibytes)
            return;
        cacheKibibytes = kibibytes;
        if (db is not null)
        {
            var pragma = CacheSizePragma(kibibytes);
            await db.Database.ExecuteSqlRawAsync(pragma);
        }
    }

    /// <summary>The writer's context, with nothing tracked, on its open connection.</summary>
    public async Task<CorrectionsDb> OpenAsync()
    {
        if (db is not null)
        {
            db.ChangeTracker.Clear();
            return db;
        }
        SqliteConnectionSetup setup;
        await using (var scope = scopes.CreateAsyncScope())
        {
            // The pooled contexts' options, so that this context shares their model and compiled queries.
            db = new CorrectionsDb(scope.ServiceProvider.GetRequiredService<DbContextOptions<CorrectionsDb>>());
            setup = scope.ServiceProvider.GetRequiredService<SqliteConnectionSetup>();
        }
        var opened = new StatementKeepingConnection(new SqliteConnectionStringBuilder(db.Database.GetConnectionString()) { Pooling = false }.ToString());
        try
        {
            await opened.OpenAsync();
            setup.SetUp(opened);
            await using (var command = opened.CreateCommand())
            {
                command.CommandText = CacheSizePragma(cacheKibibytes) + "; PRAGMA synchronous=NORMAL";
                await command.ExecuteNonQueryAsync();
            }
            db.Database.SetDbConnection(opened, contextOwnsConnection: true);
        }
        catch
        {
            await opened.DisposeAsync();
            await DisposeAsync();
            throw;
        }
        return db;
    }

    private static string CacheSizePragma(int kibibytes) =>
        "PRAGMA cache_size=-" + kibibytes.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Closes the connection; the next <see cref="OpenAsync"/> opens another.</summary>
    public async ValueTask DisposeAsync()
    {
        // The context owns the connection and closes it.
        if (db is not null)
            await db.DisposeAsync();
        db = null;
    }
}
