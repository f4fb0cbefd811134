using Corrections.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Corrections.Data;

public static class DatabaseSetup
{
    public static IServiceCollection AddCorrectionsDb(this IServiceCollection services)
    {
        services.AddDbContext<CorrectionsDb>((services, options) =>
        {
            var database = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString("Corrections");
            if (string.IsNullOrWhiteSpace(connectionString))
                throw new InvalidOperationException("ConnectionStrings:Corrections must be set");
            switch (database.Provider)
            {
                case DatabaseProvider.Sqlite:
                    // A locked file is waited for this long, by every command and by BEGIN, then the request answers 503:
                    // a reader's browser should hear back in seconds, not after SQLite's default 30.
                    var sqliteConnection = new SqliteConnectionStringBuilder(connectionString) { DefaultTimeout = database.BusyTimeoutSeconds };
                    options.UseSqlite(sqliteConnection.ToString(), sqlite => sqlite
                        .MigrationsAssembly("Corrections.Migrations.Sqlite")
                        .CommandTimeout(database.BusyTimeoutSeconds));
                    break;
                default:
                    throw new InvalidOperationException($"Database:Provider '{database.Provider}' is not supported");
            }
        });
        return services;
    }

    /// <summary>Creates the database folder, applies the migrations and sets the file up for one writer and many readers.</summary>
    public static async Task PrepareAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        if (db.Database.IsSqlite())
        {
            var dataSource = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            var folder = Path.GetDirectoryName(Path.GetFullPath(dataSource));
            if (!string.IsNullOrEmpty(folder))
                Directory.CreateDirectory(folder);
        }
        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
    }
}

/// <summary>Runs before the service takes requests: checks the configuration, then prepares the database.</summary>
public sealed class StartupTasks(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ConfigurationCheck.ValidateAll(services);
        await DatabaseSetup.PrepareAsync(services, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
