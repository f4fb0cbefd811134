using System.Text.RegularExpressions;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Features.Outbox;
using Corrections.Features.Reports.Admin;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Data;

/// <summary>
/// Every page of an admin list, the first and one after a cursor, is read from an index that holds the list's filter and
/// order: a page costs the same with a million rows as with ten, and nothing is sorted or counted.
/// </summary>
public sealed class AdminListIndexTests
{
    public static TheoryData<ReportStatus?, string?, bool, string> ReportPages
    {
        get
        {
            var pages = new TheoryData<ReportStatus?, string?, bool, string>();
            foreach (var afterCursor in new[] { false, true })
            {
                pages.Add(null, null, afterCursor, "IX_Reports_CreatedAt_Id");
                pages.Add(null, "demo", afterCursor, "IX_Reports_SiteKey_CreatedAt_Id");
                pages.Add(ReportStatus.Spam, null, afterCursor, "IX_Reports_Status_CreatedAt_Id");
                pages.Add(ReportStatus.New, "demo", afterCursor, "IX_Reports_SiteKey_Status_CreatedAt_Id");
            }
            return pages;
        }
    }

    [Theory]
    [MemberData(nameof(ReportPages))]
    public async Task On_SQLite_each_page_of_reports_is_read_in_order_from_the_index_of_its_filter(ReportStatus? status, string? site, bool afterCursor, string index)
    {
        var after = afterCursor ? new ReportCursor(DateTimeOffset.UtcNow, Guid.CreateVersion7()) : (ReportCursor?)null;

        var plan = await PlanAsync(db => ListReportsHandler.PageQuery(db, new ListReports(status, site, after, 50)));

        AssertReadInOrderFrom(index, afterCursor ? "CreatedAt<?" : null, plan);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task On_SQLite_each_page_of_reports_by_their_passage_on_the_article_is_read_in_order_from_its_index(bool afterCursor)
    {
        var after = afterCursor ? new ReportCursor(DateTimeOffset.UtcNow, Guid.CreateVersion7()) : (ReportCursor?)null;

        var plan = await PlanAsync(db => ListReportsHandler.PageQuery(db, new ListReports(null, null, after, 50, PassageState.NotFound)));

        AssertReadInOrderFrom("IX_Reports_Passage_CreatedAt_Id", afterCursor ? "CreatedAt<?" : null, plan);
    }

    [Theory]
    [InlineData(OutboxState.Parked, false)]
    [InlineData(OutboxState.Pending, false)]
    [InlineData(OutboxState.Done, false)]
    [InlineData(OutboxState.Done, true)]
    public async Task On_SQLite_each_page_of_the_outbox_is_read_in_order_from_the_index_of_states_and_ids(OutboxState state, bool afterCursor)
    {
        var after = afterCursor ? new OutboxCursor(1_000_000) : (OutboxCursor?)null;

        var plan = await PlanAsync(db => ListOutboxMessagesHandler.PageQuery(db, new ListOutboxMessages(state, after, 50)));

        AssertReadInOrderFrom("IX_Outbox_State_Id", afterCursor ? "Id<?" : null, plan);
    }

    /// <summary>
    /// One step, reading the index (a sort or a second table would be a step of its own), from the cursor's place on
    /// when there is one: <paramref name="range"/> is the bound SQLite shows.
    /// </summary>
    private static void AssertReadInOrderFrom(string index, string? range, List<string> plan) =>
        Assert.True(
            plan.Count == 1 && Regex.IsMatch(plan[0], $@"^(SEARCH|SCAN) \w+ USING (COVERING )?INDEX {index}( |$)") && (range is null || plan[0].Contains(range, StringComparison.Ordinal)),
            $"The plan should read {index} alone, in order{(range is null ? "" : $" from {range}")}; it is: {string.Join(" | ", plan)}");

    /// <remarks>
    /// With no statistics, which the service never gathers, SQLite plans a query the same way for an empty table as for
    /// a million rows: the plan of an empty database is the plan in service.
    /// </remarks>
    private static async Task<List<string>> PlanAsync<T>(Func<CorrectionsDb, IQueryable<T>> query)
    {
        using var data = new TestData(DatabaseProvider.Sqlite);
        await using var db = data.CreateDb();
        await db.Database.MigrateAsync();
        await db.Database.OpenConnectionAsync();
        await using var explain = query(db).CreateDbCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + explain.CommandText;
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                plan.Add(reader.GetString(3));
        await db.Database.CloseConnectionAsync();
        return plan;
    }
}
