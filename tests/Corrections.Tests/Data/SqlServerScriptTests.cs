using System.Text.RegularExpressions;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Features.Reports.Admin;
using Corrections.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace Corrections.Tests.Data;

/// <summary>
/// The SQL that only SQL Server runs, parsed as T-SQL: a statement SQL Server would refuse fails here, on machines
/// without a server, instead of at a deployment (<see cref="SqlServerTests"/> runs it where there is one).
/// </summary>
public sealed class SqlServerScriptTests
{
    private static CorrectionsDb SqlServerDb() =>
        new(new DbContextOptionsBuilder<CorrectionsDb>()
            .UseSqlServer("Server=unused;Database=Corrections", sql => sql.MigrationsAssembly("Corrections.Migrations.SqlServer"))
            .Options);

    [Fact]
    public void The_idempotent_migrations_script_parses_as_T_SQL()
    {
        using var db = SqlServerDb();
        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        var errors = TSql.ParseErrors(script);

        Assert.True(errors.Count == 0, $"The idempotent SQL Server script has {errors.Count} parse error(s):\n{string.Join("\n", errors)}");
    }

    [Fact]
    public void A_broken_statement_is_reported_with_its_line_and_text_also_inside_EXEC()
    {
        var errors = TSql.ParseErrors("""
            SELECT 1;
            GO
            CREATE TABLE [Broken] ([Id] int NOT NULL,;
            GO
            EXEC(N'CREATE INDEX [IX_T_A] ON [T] ([A]) WHERE [Status] = N''New'' AND');
            """);

        Assert.Collection(errors,
            error =>
            {
                Assert.StartsWith("line 3, column ", error);
                Assert.Contains("CREATE TABLE [Broken] ([Id] int NOT NULL,;", error);
            },
            error =>
            {
                Assert.StartsWith("line 5, in the text of its EXEC at line 1, column ", error);
                Assert.Contains("WHERE [Status] = N'New' AND", error);
            });
    }

    [Fact]
    public void The_SQL_chosen_for_SQL_Server_and_the_main_queries_it_generates_parse_as_T_SQL()
    {
        using var db = SqlServerDb();
        var now = DateTimeOffset.UtcNow;
        var batchSize = new OutboxOptions().BatchSize;
        var claim = Guid.NewGuid().ToString("N");
        var outboxState = OutboxState.Parked;
        ReportStatus? status = ReportStatus.New;
        var site = "example";
        int page = 2, pageSize = 50;

        // Written as the service writes them. ExecuteUpdate and ExecuteDelete (the outbox claim itself, the outcomes,
        // leases, erasure) and queries ending in Count or First have no ToQueryString, so they are not here.
        var statements = new Dictionary<string, string>
        {
            ["the filters of the model's indexes"] = string.Join("\n", db.Model.GetEntityTypes()
                .SelectMany(entity => entity.GetIndexes())
                .Where(index => index.GetFilter() is not null)
                .Select(index => $"SELECT 1 FROM [{index.DeclaringEntityType.GetTableName()}] WHERE {index.GetFilter()};")),
            ["submissions: the repeats a group looks up"] = GroupCommitStore.Repeats(db, site, ["a", "b"]).ToQueryString(),
            ["submissions: the open reports a group may join"] = GroupCommitStore.OpenReports(db, ["a", "b"]).ToQueryString(),
            ["outbox claim: the due candidates"] = db.Outbox
                .Where(m => m.State == OutboxState.Pending && m.DueAt <= now && (m.LeaseExpiresAt == null || m.LeaseExpiresAt < now))
                .OrderBy(m => m.DueAt)
                .Select(m => m.Id)
                .Take(batchSize)
                .ToQueryString(),
            ["outbox claim: the claimed rows"] = db.Outbox.AsNoTracking()
                .Where(m => m.LeaseOwner == claim)
                .OrderBy(m => m.DueAt)
                .ToQueryString(),
            ["admin: a page of outbox messages"] = db.Outbox.AsNoTracking()
                .Where(m => m.State == outboxState)
                .OrderByDescending(m => m.Id)
                .Skip((page - 1) * pageSize)
                .Take(pageSize)
                .ToQueryString(),
            ["admin: a page of reports"] = db.Reports.AsNoTracking()
                .Where(r => r.Status == status)
                .Where(r => r.SiteKey == site)
                .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
                .Skip((page - 1) * pageSize)
                .Take(pageSize)
                .Select(r => new ReportSummary(r.Id, r.SiteKey, r.Url, r.Title, r.Exact, r.Suggestion, r.Status, r.ReaderCount, r.CreatedAt, r.UpdatedAt, r.Desk))
                .ToQueryString(),
            ["admin: the reports' export"] = db.Reports.AsNoTracking()
                .Where(r => r.Status == status)
                .Where(r => r.SiteKey == site)
                .OrderBy(r => r.CreatedAt).ThenBy(r => r.Id)
                .Select(r => new ReportExportRow(r.Id, r.SiteKey, r.Url, r.Title, r.Language, r.Exact, r.Prefix, r.Suffix,
                    r.Suggestion, r.Comment, r.Status, r.ReaderCount, r.CreatedAt, r.ClosedAt, r.DuplicateOfId, r.Passage, r.Desk, r.Author, r.Section))
                .ToQueryString(),
            ["admin stats: reports by site and status"] = db.Reports.AsNoTracking()
                .GroupBy(r => new { r.SiteKey, r.Status })
                .Select(g => new { g.Key.SiteKey, g.Key.Status, Count = g.Count() })
                .ToQueryString(),
            ["admin stats: fixed reports"] = db.Reports.AsNoTracking()
                .Where(r => r.Status == ReportStatus.Fixed && r.ClosedAt != null)
                .Select(r => new { r.SiteKey, r.CreatedAt, ClosedAt = r.ClosedAt!.Value })
                .ToQueryString(),
        };

        var failures = statements
            .Select(statement => (statement.Key, statement.Value, Errors: TSql.ParseErrors(statement.Value)))
            .Where(statement => statement.Errors.Count > 0)
            .Select(statement => $"{statement.Key}:\n{string.Join("\n", statement.Errors)}\n{statement.Value}")
            .ToList();
        Assert.Contains("WHERE [Status] = N'New'", statements["the filters of the model's indexes"]);
        Assert.True(failures.Count == 0, $"{failures.Count} statement(s) do not parse as T-SQL:\n\n{string.Join("\n\n", failures)}");
    }
}

/// <summary>
/// Parses T-SQL as SQL Server's tools send it: batch by batch between GO lines, and the text of an EXEC of string
/// literals as a batch of its own (EF Core writes a filtered index that way, so its filter would otherwise go unread).
/// </summary>
internal static partial class TSql
{
    /// <summary>Each error with its line in <paramref name="script"/>, the parser's message and the offending line's text.</summary>
    public static IReadOnlyList<string> ParseErrors(string script)
    {
        var errors = new List<string>();
        var lines = script.ReplaceLineEndings("\n").Split('\n');
        var batchStart = 0;
        for (var i = 0; i <= lines.Length; i++)
        {
            if (i < lines.Length && !GoLine().IsMatch(lines[i]))
                continue;
            var firstLine = batchStart + 1;
            ParseBatch(string.Join("\n", lines[batchStart..i]), line => $"line {firstLine + line - 1}", errors);
            batchStart = i + 1;
        }
        return errors;
    }

    /// <param name="lineInScript">Where a line of <paramref name="batch"/> is in the script.</param>
    private static void ParseBatch(string batch, Func<int, string> lineInScript, List<string> errors)
    {
        var fragment = new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(batch), out var parseErrors);
        var lines = batch.Split('\n');
        foreach (var error in parseErrors)
            errors.Add($"{lineInScript(error.Line)}, column {error.Column}: {error.Message}\n    {lines[Math.Clamp(error.Line, 1, lines.Length) - 1].Trim()}");

        var executed = new ExecutedText();
        fragment?.Accept(executed);
        foreach (var (execLine, text) in executed.Texts)
            ParseBatch(text, line => $"{lineInScript(execLine)}, in the text of its EXEC at line {line}", errors);
    }

    private sealed class ExecutedText : TSqlFragmentVisitor
    {
        public List<(int Line, string Text)> Texts { get; } = [];

        public override void Visit(ExecutableStringList node)
        {
            if (node.Strings.All(s => s is StringLiteral))
                Texts.Add((node.StartLine, string.Concat(node.Strings.Cast<StringLiteral>().Select(s => s.Value))));
        }
    }

    [GeneratedRegex(@"^\s*GO(\s+\d+)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex GoLine();
}
