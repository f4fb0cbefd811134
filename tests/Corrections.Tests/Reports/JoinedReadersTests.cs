using Corrections.Configuration;
using Corrections.Data;
using Corrections.Storage;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Reports;

/// <summary>Several instances on one database server each have a writer; readers they add to one report all count.</summary>
public sealed class JoinedReadersTests
{
    [Fact]
    public async Task On_SQLite_readers_who_join_a_stored_report_are_added_to_its_count_and_move_its_last_change()
    {
        using var data = new TestData(DatabaseProvider.Sqlite);
        await using var db = data.CreateDb();
        await db.Database.MigrateAsync();
        var now = DateTimeOffset.UtcNow;
        var joined = StoredReport(now, Guid.CreateVersion7(now));
        var other = StoredReport(now, Guid.CreateVersion7(now.AddMilliseconds(1)));
        db.Reports.AddRange(joined, other);
        await db.SaveChangesAsync();
        var rows = new GroupRows();
        rows.Joined[joined.Id] = (2, now.AddSeconds(2));

        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            await GroupCommitStore.WriteAsync(db, rows);
            await transaction.CommitAsync();
        }

        await using var check = data.CreateDb();
        var stored = await check.Reports.SingleAsync(r => r.Id == joined.Id);
        Assert.Equal(3, stored.ReaderCount);
        Assert.Equal(now.AddSeconds(2).ToUnixTimeMilliseconds(), stored.UpdatedAt.ToUnixTimeMilliseconds());
        var untouched = await check.Reports.SingleAsync(r => r.Id == other.Id);
        Assert.Equal(1, untouched.ReaderCount);
        Assert.Equal(now.ToUnixTimeMilliseconds(), untouched.UpdatedAt.ToUnixTimeMilliseconds());
    }

    [SkippableFact]
    public async Task Readers_that_two_writers_add_to_one_open_report_at_the_same_time_are_all_counted()
    {
        TestDatabase.SkipWithoutPostgres();
        using var data = new TestData(DatabaseProvider.PostgreSql);
        await using var first = data.CreateDb();
        await using var second = data.CreateDb();
        await first.Database.MigrateAsync();
        var now = DateTimeOffset.UtcNow;
        var report = StoredReport(now, Guid.CreateVersion7(now));
        first.Reports.Add(report);
        await first.SaveChangesAsync();
        var byFirst = new GroupRows();
        byFirst.Joined[report.Id] = (1, now.AddSeconds(1));
        var bySecond = new GroupRows();
        bySecond.Joined[report.Id] = (2, now.AddSeconds(3));

        // Both found the report open before either wrote; the second writes while the first still holds the row.
        await using var firstTransaction = await first.Database.BeginTransactionAsync();
        await using var secondTransaction = await second.Database.BeginTransactionAsync();
        await first.Reports.AsNoTracking().SingleAsync(r => r.Id == report.Id);
        await second.Reports.AsNoTracking().SingleAsync(r => r.Id == report.Id);
        await GroupCommitStore.WriteAsync(first, byFirst);
        var secondWrite = GroupCommitStore.WriteAsync(second, bySecond);
        await firstTransaction.CommitAsync();
        await secondWrite;
        await secondTransaction.CommitAsync();

        await using var check = data.CreateDb();
        var stored = await check.Reports.SingleAsync(r => r.Id == report.Id);
        Assert.Equal(4, stored.ReaderCount);
        Assert.Equal(now.AddSeconds(3).ToUnixTimeMilliseconds(), stored.UpdatedAt.ToUnixTimeMilliseconds());
    }

    /// <summary>An open report with one reader, stored before the writer's group.</summary>
    private static Report StoredReport(DateTimeOffset now, Guid id) => new()
    {
        Id = id, SiteKey = "demo", Url = "https://news.example.org/a", DuplicateKey = id.ToString("N")[^Report.DuplicateKeyLength..],
        Exact = "Brusels", Status = ReportStatus.New, ReaderCount = 1, CreatedAt = now, UpdatedAt = now, ReplyToken = id.ToString("N"),
    };
}
