using Corrections.Configuration;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Corrections.Data;

/// <summary><c>dotnet Corrections.Web.dll migrate</c>: applies the missing migrations to the configured database and exits.</summary>
public static class MigrateCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        try
        {
            var provider = services.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider;
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
            var pending = await db.Database.GetPendingMigrationsAsync(cancellationToken);
            await DatabaseSetup.MigrateAsync(db, cancellationToken);
            var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).Intersect(pending).ToList();
            Console.WriteLine(applied.Count == 0
                ? $"The {provider} database is up to date."
                : $"Applied {applied.Count} migration(s) to the {provider} database: {string.Join(", ", applied)}");

            // Instances that start together on a database without a key would each make one and, until they reread
            // the key ring, refuse each other's triage links; the key made here is the one they all find.
            services.GetRequiredService<IDataProtectionProvider>().CreateProtector("Corrections.Migrate").Protect("key ring");
            return 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"Migrating the database failed: {Reason(ex)}");
            return 1;
        }
    }

    private static string Reason(Exception exception) =>
        exception.InnerException is { } inner && !exception.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? $"{exception.Message} ({Reason(inner)})"
            : exception.Message;
}
