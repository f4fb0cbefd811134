using Corrections.Configuration;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Data;

/// <summary>On SQLite the writer binds each value by position itself; what it stores must be what EF Core stores.</summary>
public sealed class BatchInsertTests
{
    private static readonly DateTimeOffset At = new DateTimeOffset(2026, 11, 28, 1, 2, 3, TimeSpan.FromHours(1)).AddTicks(4567);
    private static readonly Guid Original = Guid.CreateVersion7(At);

    private static Report Report(string replyToken) => new()
    {
        Id = Guid.CreateVersion7(At),
        SiteKey = "demo",
        Url = "https://news.example.org/2026/artikel?seite=2",
        DuplicateKey = new string('d', Corrections.Data.Report.DuplicateKeyLength),
        Title = null,
        Language = "de",
        Exact = "Fehler im Größenvergleich 🙂",
        Prefix = "",
        Suffix = "",
        Suggestion = null,
        Comment = "ein Kommentar",
        Status = ReportStatus.Duplicate,
        ReaderCount = 3,
        CreatedAt = At,
        UpdatedAt = At.AddSeconds(1),
        ClosedAt = At.AddMinutes(1),
        DuplicateOfId = Original,
        ReplyToken = replyToken,
        ThanksQueuedAt = null,
    };

    /// <summary>Each column's SQLite type and literal, in one line; null if no row has the id as EF Core binds it.</summary>
    private static async Task<string?> StoredAsync(CorrectionsDb db, Guid id, IEnumerable<string> columns)
    {
        var values = string.Join(" || '|' || ", columns.Select(c => $"typeof(\"{c}\") || ':' || quote(\"{c}\")"));
        var sql = "SELECT " + values + " AS \"Value\" FROM \"Reports\" WHERE \"Id\" = {0}";
        return await db.Database.SqlQueryRaw<string>(sql, id).SingleOrDefaultAsync();
    }

    [Fact]
    public async Task On_SQLite_rows_inserted_by_position_are_stored_as_EF_Core_stores_them_and_found_by_their_id()
    {
        using var data = new TestData(DatabaseProvider.Sqlite);
        await using var db = data.CreateDb();
        await db.Database.MigrateAsync();
        var saved = Report("saved");
        var inserted = Report("inserted");
        db.Reports.Add(saved);
        await db.SaveChangesAsync();

        await db.InsertAsync([new[] { inserted }], CancellationToken.None);

        var columns = (await db.Database.SqlQueryRaw<string>("""SELECT "name" AS "Value" FROM pragma_table_info('Reports')""").ToListAsync())
            .Where(c => c is not ("Id" or "ReplyToken"))
            .ToList();
        Assert.Contains("Prefix", columns);
        var asSaved = await StoredAsync(db, saved.Id, columns);
        var asInserted = await StoredAsync(db, inserted.Id, columns);
        Assert.NotNull(asSaved);
        Assert.Equal(asSaved, asInserted);

        var savedBack = await db.Reports.AsNoTracking().SingleAsync(r => r.Id == saved.Id);
        var insertedBack = await db.Reports.AsNoTracking().SingleAsync(r => r.Id == inserted.Id);
        Assert.Equal("inserted", insertedBack.ReplyToken);
        (insertedBack.Id, insertedBack.ReplyToken) = (savedBack.Id, savedBack.ReplyToken);
        Assert.Equivalent(savedBack, insertedBack, strict: true);
    }
}
