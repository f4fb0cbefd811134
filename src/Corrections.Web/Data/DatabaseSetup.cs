using Corrections.Configuration;
using Corrections.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Corrections.Data;

public static class DatabaseSetup
{
    public static IServiceCollection AddCorrectionsDb(this IServiceCollection services)
    {
        services.AddSingleton(provider => new SqliteConnectionSetup(
            TimeSpan.FromSeconds(provider.GetRequiredService<IOptions<DatabaseOptions>>().Value.BusyTimeoutSeconds)));
        // Pooled, with options built once: a context per request or per outbox message would otherwise cost more than its query
        // (docs/decisions/0014-pooled-database-contexts.md).
        services.AddDbContextPool<CorrectionsDb>((services, options) =>
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
                        .CommandTimeout(database.BusyTimeoutSeconds)
                        // A list in a query is one JSON parameter: its SQL is the same for any length, so EF Core generates
                        // it once, not for each of the writer's groups as with a parameter an item
                        // (docs/decisions/0010-lists-as-one-json-parameter.md).
                        .UseParameterizedCollectionMode(ParameterTranslationMode.Parameter))
                        .AddInterceptors(services.GetRequiredService<SqliteConnectionSetup>());
                    break;
                case DatabaseProvider.SqlServer:
                    options.UseSqlServer(connectionString, sql => sql.MigrationsAssembly("Corrections.Migrations.SqlServer"));
                    break;
                case DatabaseProvider.PostgreSql:
                    options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly("Corrections.Migrations.PostgreSql"));
                    break;
                default:
                    throw new InvalidOperationException($"Database:Provider '{database.Provider}' is not supported");
            }
        });
        services.AddSingleton<DatabaseLease>();
        return services;
    }

    /// <summary>
    /// Applies the migrations when <c>Database:MigrateOnStartup</c> is on; otherwise stops the start if any is missing.
    /// </summary>
    public static async Task PrepareAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        if (services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigratesOnStartup)
        {
            await MigrateAsync(db, cancellationToken);
            return;
        }
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
            throw new DatabaseNotReadyException(
                $"The database lacks {pending.Count} migration(s) ({string.Join(", ", pending)}) and Database:MigrateOnStartup is false: " +
                "apply them with 'dotnet Corrections.Web.dll migrate', then start the service.");
    }

    /// <summary>Applies the missing migrations; for SQLite, creates the file's folder and sets the file up for one writer and many readers.</summary>
    public static async Task MigrateAsync(CorrectionsDb db, CancellationToken cancellationToken)
    {
        if (db.Database.IsSqlite())
        {
            var dataSource = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            var folder = Path.GetDirectoryName(Path.GetFullPath(dataSource));
            if (!string.IsNullOrEmpty(folder))
                Directory.CreateDirectory(folder);
        }
        // EF Core takes a migration lock in the database, so instances that start together do not both migrate.
        await db.Database.MigrateAsync(cancellationToken);
        // One writer at a time: writers begin their transactions with BEGIN IMMEDIATE and wait for one another up to
        // Database:BusyTimeoutSeconds; in WAL mode readers never wait for them.
        if (db.Database.IsSqlite())
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
    }
}

/// <summary>The database is not in the shape this version of the service needs.</summary>
public sealed class DatabaseNotReadyException(string message) : Exception(message);

/// <summary>Runs before the service takes requests: checks the configuration, then prepares the database.</summary>
public sealed class StartupTasks(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ConfigurationCheck.ValidateAll(services);
        if (services.GetRequiredService<IOptions<SigningKeysOptions>>().Value.CertificatePath.Length == 0)
            services.GetRequiredService<ILogger<StartupTasks>>().LogWarning(
                "The keys that sign triage links are stored in the database in clear: a copy of it (a backup) can make links that triage any report. "
                + "Set DataProtection:CertificatePath (and DataProtection:CertificatePassword) to a PKCS #12 certificate to encrypt them");
        await DatabaseSetup.PrepareAsync(services, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
