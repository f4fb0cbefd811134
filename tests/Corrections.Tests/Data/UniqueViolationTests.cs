using Corrections.Storage;
using Corrections.Configuration;
using Corrections.Data;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Data;

/// <summary>A lost race for a unique key (a resent report, a lease) is told apart from other failures on every provider.</summary>
public sealed class UniqueViolationTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql, DatabaseProvider.SqlServer];

    private static TestData DataFor(DatabaseProvider provider)
    {
        Skip.If(provider == DatabaseProvider.PostgreSql && TestDatabase.PostgresServer is null,
            $"{TestDatabase.PostgresVariable} is not set: no PostgreSQL server to test against (tests/run.sh starts one for its PostgreSQL run)");
        Skip.If(provider == DatabaseProvider.SqlServer && TestDatabase.SqlServer is null,
            $"{TestDatabase.SqlServerVariable} is not set: no SQL Server to test against (SQL Server cannot run on the build machines)");
        return new TestData(provider);
    }

    private static Report Report(string replyToken) => new()
    {
        Id = Guid.CreateVersion7(),
        SiteKey = "demo",
        Url = "https://news.example.org/a",
        DuplicateKey = new string('a', Corrections.Data.Report.DuplicateKeyLength),
        Exact = "passage",
        ReplyToken = replyToken,
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };

    [SkippableTheory]
    [MemberData(nameof(Providers))]
    public async Task A_second_row_with_a_taken_primary_key_is_a_unique_violation(DatabaseProvider provider)
    {
        using var data = DataFor(provider);
        await using var db = data.CreateDb();
        await db.Database.MigrateAsync();
        db.Leases.Add(new Lease { Name = "job", Owner = "one", ExpiresAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        db.Leases.Add(new Lease { Name = "job", Owner = "two", ExpiresAt = DateTimeOffset.UtcNow });
        var failure = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());

        Assert.True(DatabaseErrors.IsUniqueViolation(failure), failure.InnerException?.ToString());
    }

    [SkippableTheory]
    [MemberData(nameof(Providers))]
    public async Task A_second_row_with_a_taken_unique_index_value_is_a_unique_violation(DatabaseProvider provider)
    {
        using var data = DataFor(provider);
        await using var db = data.CreateDb();
        await db.Database.MigrateAsync();
        db.Reports.Add(Report("token"));
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        db.Reports.Add(Report("token"));
        var failure = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());

        Assert.True(DatabaseErrors.IsUniqueViolation(failure), failure.InnerException?.ToString());
    }

    [SkippableTheory]
    [MemberData(nameof(Providers))]
    public async Task A_missing_required_value_is_not_a_unique_violation(DatabaseProvider provider)
    {
        using var data = DataFor(provider);
        await using var db = data.CreateDb();
        await db.Database.MigrateAsync();

        db.ReportSubmissions.Add(new ReportSubmission { ReportId = Guid.NewGuid(), SiteKey = "demo", ClientRequestId = "x" });
        var failure = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());

        Assert.False(DatabaseErrors.IsUniqueViolation(failure));
    }
}
