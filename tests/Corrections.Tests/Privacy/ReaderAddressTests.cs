using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Privacy;

/// <summary>Readers' addresses: taken only where mail can reach them, erased on request through the body, kept out of logs and the outbox's errors, and gone from the database's files once erased.</summary>
public sealed class ReaderAddressTests : ServiceTest
{
    private const string Reader = "reader@example.net";

    [Fact]
    public async Task A_reader_address_is_erased_from_every_report_on_request_with_the_address_in_the_body()
    {
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "one"));
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "two"));
        var other = Infrastructure.Reports.Valid(exact: "three");
        other["readerEmail"] = "someone.else@example.net";
        await App.SubmitAcceptedAsync(other);

        var anonymous = await App.CreateClient().PostAsJsonAsync("/api/readers/erase", new { email = Reader });
        var invalid = await App.CreateAdminClient().PostAsJsonAsync("/api/readers/erase", new { email = "not-an-address" });
        var missing = await App.CreateAdminClient().PostAsJsonAsync("/api/readers/erase", new { });
        var erased = await App.CreateAdminClient().PostAsJsonAsync("/api/readers/erase", new { email = "Reader@Example.net" });

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.NotNull((await invalid.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["email"]);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Equal(2, (int)(await erased.Content.ReadFromJsonAsync<JsonObject>())!["erased"]!);
        Assert.Equal(["someone.else@example.net"], await App.QueryAsync(db => db.ReportSubmissions.Where(s => s.ReaderEmail != null).Select(s => s.ReaderEmail!).ToListAsync()));
    }

    [Fact]
    public async Task The_old_erasure_route_with_the_address_in_the_path_answers_410_with_a_pointer_and_erases_nothing()
    {
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());

        var gone = await App.CreateAdminClient().DeleteAsync($"/api/readers/{Reader}");

        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
        Assert.Contains("POST /api/readers/erase", (string?)(await gone.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Equal(1, await App.QueryAsync(db => db.ReportSubmissions.CountAsync(s => s.ReaderEmail == Reader)));
    }

    [Fact]
    public async Task Erasing_an_address_writes_it_in_no_log_line()
    {
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());

        await App.CreateAdminClient().PostAsJsonAsync("/api/readers/erase", new { email = Reader });
        await App.CreateAdminClient().DeleteAsync($"/api/readers/{Reader}");

        Assert.Contains(App.Logs.Lines, l => l.Message.Contains("Erased a reader's address from 1 submission(s)"));
        AssertNoLineNames(Reader);
    }

    [Fact]
    public async Task A_relays_refusal_naming_the_reader_is_stored_and_logged_with_the_address_redacted()
    {
        var id = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await Smtp.WaitForMessagesAsync(1);
        Smtp.ReplyNext(550, $"5.1.1 <{Reader}>: Recipient address rejected: User unknown in virtual mailbox table");

        await App.CreateAdminClient().PostAsJsonAsync($"/api/reports/{id}/triage", new { action = "fixed" });
        await App.WaitUntilAsync(async () => (await App.OutboxAsync()).Any(m => m.State == OutboxState.Parked));

        var parked = await App.CreateAdminClient().GetFromJsonAsync<JsonObject>("/api/outbox?state=parked");
        var lastError = (string?)parked!["items"]!.AsArray().Single()!["lastError"];
        Assert.StartsWith("SMTP 550", lastError);
        Assert.Contains("<redacted>: Recipient address rejected", lastError);
        Assert.Contains(App.Logs.Lines, l => l.Message.Contains("parked after 1 attempt(s)"));
        AssertNoLineNames(Reader);
    }

    [Fact]
    public async Task Erasure_also_clears_the_address_from_outbox_errors_stored_before_they_were_redacted()
    {
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await App.WaitUntilAsync(async () => (await App.OutboxAsync()).Single().State == OutboxState.Done);
        await App.QueryAsync(db => db.Outbox.ExecuteUpdateAsync(s => s
            .SetProperty(m => m.State, OutboxState.Parked)
            .SetProperty(m => m.LastError, "SMTP 550 MailboxUnavailable: 5.1.1 <Reader@Example.NET>: Recipient address rejected")));

        var erased = await App.CreateAdminClient().PostAsJsonAsync("/api/readers/erase", new { email = Reader });

        Assert.Equal(1, (int)(await erased.Content.ReadFromJsonAsync<JsonObject>())!["outboxErrors"]!);
        Assert.Equal("SMTP 550 MailboxUnavailable: 5.1.1 <redacted>: Recipient address rejected", (await App.OutboxAsync()).Single().LastError);
    }

    [Fact]
    public async Task An_erased_address_cannot_be_found_in_the_sqlite_database_file_or_its_log()
    {
        if (Data.Provider != DatabaseProvider.Sqlite)
            return;
        const string erased = "erased.reader@example.net", kept = "kept.reader@example.net";
        var client = App.CreateClient();
        for (var i = 0; i < 150; i++)
        {
            var report = Infrastructure.Reports.Valid(exact: $"passage {i}");
            report["readerEmail"] = i % 3 == 0 ? kept : erased;
            await client.SubmitAcceptedAsync(report);
        }
        Assert.True(FilesContain(erased) && FilesContain(kept));

        await App.CreateAdminClient().PostAsJsonAsync("/api/readers/erase", new { email = erased });

        Assert.False(FilesContain(erased));
        Assert.True(FilesContain(kept));
    }

    [Theory]
    [InlineData("a@localhost")]
    [InlineData("a@[127.0.0.1]")]
    [InlineData("a@127.0.0.1")]
    [InlineData("\"a,b\"@example.net")]
    [InlineData("\"a b\"@example.net")]
    [InlineData("a@intranet")]
    [InlineData("a@printer.local")]
    [InlineData("a@mail.invalid")]
    [InlineData("a@news.test")]
    [InlineData("a@news.example")]
    [InlineData("a@router.home.arpa")]
    [InlineData("a@-news.example.org")]
    [InlineData("a..b@example.org")]
    public async Task A_reader_address_that_mail_from_the_internet_cannot_reach_gets_400_on_readerEmail(string address)
    {
        var report = Infrastructure.Reports.Valid();
        report["readerEmail"] = address;

        var response = await App.SubmitAsync(report);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["readerEmail"], errors.Select(e => e.Key));
    }

    [Theory]
    [InlineData("reader@example.net")]
    [InlineData("Reader.Name+corrections@news.example.co.uk")]
    [InlineData("o'brien@example.ie")]
    [InlineData("иван@пример.рф")]
    [InlineData("lena@müller.de")]
    public async Task A_reader_address_on_the_internet_is_taken(string address)
    {
        var report = Infrastructure.Reports.Valid();
        report["readerEmail"] = address;

        Assert.Equal(HttpStatusCode.Accepted, (await App.SubmitAsync(report)).StatusCode);
    }

    [Fact]
    public async Task Reserved_domains_are_taken_when_the_configuration_allows_them_for_tests_but_literals_and_dotless_names_never()
    {
        var app = NewApp(new() { ["Privacy:AllowReservedReaderDomains"] = "true" });

        async Task<HttpStatusCode> Submit(string address)
        {
            var report = Infrastructure.Reports.Valid(exact: address);
            report["readerEmail"] = address;
            return (await app.SubmitAsync(report)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.Accepted, await Submit("reader@news.test"));
        Assert.Equal(HttpStatusCode.Accepted, await Submit("reader@mail.example"));
        Assert.Equal(HttpStatusCode.BadRequest, await Submit("reader@localhost"));
        Assert.Equal(HttpStatusCode.BadRequest, await Submit("reader@[127.0.0.1]"));
    }

    private void AssertNoLineNames(string address)
    {
        foreach (var line in App.Logs.Lines)
        {
            Assert.DoesNotContain(address, line.Message, StringComparison.OrdinalIgnoreCase);
            foreach (var (key, value) in line.Properties)
                Assert.False(value?.ToString()?.Contains(address, StringComparison.OrdinalIgnoreCase) == true, $"The log property {key} of '{line.Message}' names the reader");
        }
    }

    private bool FilesContain(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return new[] { Data.DatabasePath, Data.DatabasePath + "-wal" }
            .Where(File.Exists)
            .Any(path => ReadShared(path).AsSpan().IndexOf(bytes) >= 0);
    }

    // The service holds the files open; they are read as any backup tool would, without locking them.
    private static byte[] ReadShared(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        file.CopyTo(copy);
        return copy.ToArray();
    }
}
