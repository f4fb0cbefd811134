using Corrections.Configuration;
using Corrections.Data;
using Corrections.Features.Reports.Submit;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Reports;

/// <summary>Several instances on one database server each have a writer; readers they add to one report all count.</summary>
public sealed class JoinedReadersTests
{
    [SkippableFact]
    public async Task Readers_that_two_writers_add_to_one_open_report_at_the_same_time_are_all_counted()
    {
        TestDatabase.SkipWithoutPostgres();
        using var data = new TestData(DatabaseProvider.PostgreSql);
        await using var first = data.CreateDb();
        await using var second = data.CreateDb();
        await first.Database.MigrateAsync();
        var now = DateTimeOffset.UtcNow;
        var report = new Report
        {
            Id = Guid.CreateVersion7(now), SiteKey = "demo", Url = "https://news.example.org/a", DuplicateKey = new string('d', 64),
            Exact = "Brusels", Status = ReportStatus.New, ReaderCount = 1, CreatedAt = now, UpdatedAt = now, ReplyToken = "token",
        };
        first.Reports.Add(report);
        await first.SaveChangesAsync();
        var byFirst = new NewRows();
        byFirst.Join(report.Id, now.AddSeconds(1));
        var bySecond = new NewRows();
        bySecond.Join(report.Id, now.AddSeconds(2));
        bySecond.Join(report.Id, now.AddSeconds(3));

        // Both found the report open before either wrote; the second writes while the first still holds the row.
        await using var firstTransaction = await first.Database.BeginTransactionAsync();
        await using var secondTransaction = await second.Database.BeginTransactionAsync();
        await first.Reports.AsNoTracking().SingleAsync(r => r.Id == report.Id);
        await second.Reports.AsNoTracking().SingleAsync(r => r.Id == report.Id);
        await byFirst.WriteAsync(first, CancellationToken.None);
        var secondWrite = bySecond.WriteAsync(second, CancellationToken.None);
        await firstTransaction.CommitAsync();
        await secondWrite;
        await secondTransaction.CommitAsync();

        await using var check = data.CreateDb();
        var stored = await check.Reports.SingleAsync(r => r.Id == report.Id);
        Assert.Equal(4, stored.ReaderCount);
        Assert.Equal(now.AddSeconds(3).ToUnixTimeMilliseconds(), stored.UpdatedAt.ToUnixTimeMilliseconds());
    }
}
